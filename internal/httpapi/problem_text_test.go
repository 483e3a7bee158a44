package httpapi

import (
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/quangninh/feedback/internal/fault"
)

// TestEveryFaultKindSpeaksBothLanguages: each kind of failure (and an invalid input, and an unexpected
// error) becomes a problem whose title and detail exist in English and in Vietnamese, with diacritics.
func TestEveryFaultKindSpeaksBothLanguages(t *testing.T) {
	errs := map[string]error{"validation": &fault.Invalid{Fields: []fault.FieldError{{Field: "body.rating", Message: "must be from 1 to 5"}}},
		"internal": errors.New("boom")}
	for _, k := range problemKinds {
		errs[k.slug] = fault.New(k.kind, "no such report")
	}
	if len(errs) != len(problemKinds)+2 {
		t.Fatalf("two kinds share a slug")
	}
	for slug, err := range errs {
		en := problemFor(err)
		vi := inVietnamese(en)
		titles, ok := kindTitles[slug]
		if !ok || titles[0] == "" || titles[1] == "" || en.Title != titles[0] || vi.Title != titles[1] {
			t.Errorf("%s: titles %q / %q, catalogue %q", slug, en.Title, vi.Title, titles)
		}
		if en.Detail == nil || vi.Detail == nil || *vi.Detail == *en.Detail || !strings.ContainsAny(*vi.Detail+vi.Title, "ạảấầẩậắằặẹếềệịọốồộớờợụủứừựỷđôơưâăê") {
			t.Errorf("%s: detail %v / %v", slug, deref(en.Detail), deref(vi.Detail))
		}
	}
	v := inVietnamese(problemFor(errs["validation"]))
	if (*v.Errors)[0].Message != "phải từ 1 đến 5" || (*v.Errors)[0].Field != "body.rating" {
		t.Errorf("field error in Vietnamese: %+v", *v.Errors)
	}
}

func TestVietnameseFillsInTheParts(t *testing.T) {
	for en, want := range map[string]string{
		fmt.Sprintf("must be %d to %d characters (it has %d)", 10, 2000, 4):         "phải từ 10 đến 2000 ký tự (hiện có 4)",
		"cannot resolve a report that is received; allowed from in_progress: start": "không thể resolve phản ánh đang ở trạng thái received; được phép từ in_progress: start",
		"description is required": "description là bắt buộc",
		"is required":             "là bắt buộc",
		"no such report":          "không có phản ánh này",
		"no such upload (it may have expired); ask for a new one": "không có lượt tải lên này (có thể đã hết hạn); hãy xin lượt mới",
		`property "category" is missing`:                          `thiếu thuộc tính "category"`,
	} {
		if got, ok := vietnamese(en); !ok || got != want {
			t.Errorf("vietnamese(%q) = %q, %v; want %q", en, got, ok, want)
		}
	}
	if got, ok := vietnamese("some library's own text"); ok || got != "some library's own text" {
		t.Errorf("an unknown text: %q, %v; want it unchanged and reported", got, ok)
	}
}

func TestPreferredLanguage(t *testing.T) {
	for header, want := range map[string]string{
		"":                      "",
		"vi":                    "vi",
		"vi-VN":                 "vi",
		"en-GB,en;q=0.9":        "en",
		"vi;q=0.9, en;q=0.8":    "vi",
		"en, vi;q=0.5":          "en",
		"en;q=0.5, vi;q=0.8":    "vi",
		"fr, vi;q=0.3":          "vi",
		"fr, de":                "",
		"vi;q=0, en;q=0.1":      "en",
		"en, vi":                "en", // equal weights: the first listed
		"vi, en":                "vi",
		"*":                     "",
		"EN;Q=0.2, VI-vn;q=0.7": "vi",
		"vi;q=abc, en;q=0.4":    "en",
		"vi;q=2, en":            "en",
	} {
		if got := preferredLanguage(header); got != want {
			t.Errorf("preferredLanguage(%q) = %q, want %q", header, got, want)
		}
	}
}
