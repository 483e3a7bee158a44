package main

import (
	"encoding/json"
	"fmt"
	"os"
	"strings"
	"text/tabwriter"
	"time"
)

// Result is one figure.
type Result struct {
	Name  string  `json:"name"`
	Value float64 `json:"value"`
	Unit  string  `json:"unit"`
	Note  string  `json:"note,omitempty"`
}

// results collects figures in the order they are measured.
type results []Result

func (rs *results) add(name string, value float64, unit, note string) {
	*rs = append(*rs, Result{Name: name, Value: round(value), Unit: unit, Note: note})
}

// lookup returns the value of the first result with name.
func (rs results) lookup(name string) (float64, bool) {
	for _, r := range rs {
		if r.Name == name {
			return r.Value, true
		}
	}
	return 0, false
}

func round(v float64) float64 {
	if v >= 1e6 || v <= -1e6 {
		return float64(int64(v + 0.5))
	}
	return float64(int64(v*100+0.5)) / 100
}

func ms(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }

func mb(bytes int64) float64 { return float64(bytes) / (1 << 20) }

// print writes the table (name, value, unit, then the note unaligned) and the JSON lines.
func print(rs results) {
	tw := tabwriter.NewWriter(os.Stdout, 0, 4, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "benchmark\tvalue\tunit\t  note")
	for _, r := range rs {
		// The note is the last cell and has no trailing tab, so tabwriter leaves it unaligned.
		fmt.Fprintf(tw, "%s\t%g\t%s\t  %s\n", r.Name, r.Value, r.Unit, strings.ReplaceAll(r.Note, "\t", " "))
	}
	_ = tw.Flush()
	fmt.Println()
	enc := json.NewEncoder(os.Stdout)
	enc.SetEscapeHTML(false)
	for _, r := range rs {
		_ = enc.Encode(r)
	}
}
