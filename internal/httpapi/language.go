package httpapi

import (
	"strconv"
	"strings"
)

// preferredLanguage reads Accept-Language (RFC 9110, q-values honoured) and returns "vi" or "en",
// whichever the client prefers of the two, or "" when it names neither. Equal weights go to the one
// listed first; q=0 refuses a language; a region ("vi-VN", "en-GB") counts as its language.
func preferredLanguage(header string) string {
	best, bestQ := "", 0.0
	for part := range strings.SplitSeq(header, ",") {
		tag, params, _ := strings.Cut(strings.TrimSpace(part), ";")
		lang, _, _ := strings.Cut(strings.ToLower(strings.TrimSpace(tag)), "-")
		if lang != "vi" && lang != "en" {
			continue
		}
		q := 1.0
		for p := range strings.SplitSeq(params, ";") {
			if k, v, ok := strings.Cut(strings.TrimSpace(p), "="); ok && strings.EqualFold(strings.TrimSpace(k), "q") {
				if f, err := strconv.ParseFloat(strings.TrimSpace(v), 64); err == nil && f >= 0 && f <= 1 {
					q = f
				} else {
					q = 0 // a malformed weight is not a preference
				}
			}
		}
		if q > bestQ {
			best, bestQ = lang, q
		}
	}
	return best
}
