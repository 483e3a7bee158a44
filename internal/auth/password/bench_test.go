package password

import "testing"

func BenchmarkHashPassword(b *testing.B) {
	p := DefaultParams()
	b.ReportAllocs()
	for b.Loop() {
		if _, err := Hash("correct horse battery staple", p); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkVerifyPassword(b *testing.B) {
	h := mustHash(b, "correct horse battery staple", DefaultParams())
	b.ReportAllocs()
	for b.Loop() {
		if err := Verify(h, "correct horse battery staple"); err != nil {
			b.Fatal(err)
		}
	}
}
