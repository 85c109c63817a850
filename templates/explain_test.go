package templates

import (
	"fmt"
	"os"
	"strings"
	"testing"
)

// explain shows the evidence for a message; used when tuning the lexicon.
func explain(text string, tmpl Template) string {
	lx := theLexicon()
	toks := tokenize(text, nil)
	hits := make([]hit, len(toks))
	a := lx.analyseTokens(toks, hits)
	if strings.IndexByte(text, '?') >= 0 {
		a.flags |= fQuestion
	}
	when, twoWhen := extractWhenCount(toks)
	if twoWhen {
		a.flags |= fTwoWhen
	}
	scoreRules(&a, when, tmpl)
	var sb strings.Builder
	for i, t := range toks {
		h := hits[i]
		l := "?"
		if h.e != nil {
			l = h.e.lemma
		}
		fmt.Fprintf(&sb, "[%s→%s sw=%v fl=%x] ", t.text, l, h.swGrammar, uint64(h.flags))
	}
	fmt.Fprintf(&sb, "\n  en=%.1f sw=%.1f when=%+v flags=%x\n  ", a.en, a.sw, when, uint64(a.flags))
	for i, v := range a.score {
		if v != 0 {
			fmt.Fprintf(&sb, "%s=%.1f ", allIntents[i], v)
		}
	}
	fmt.Fprintf(&sb, "→ %s", allIntents[decide(&a, tmpl)])
	return sb.String()
}

// TestExplain prints the evidence for the messages in FLOWHQ_EXPLAIN
// (one per line, optionally "template<TAB>text").
func TestExplain(t *testing.T) {
	in := os.Getenv("FLOWHQ_EXPLAIN")
	if in == "" {
		t.Skip("set FLOWHQ_EXPLAIN to messages to explain")
	}
	for _, line := range strings.Split(in, "\n") {
		tmpl := Booking
		if k, v, ok := strings.Cut(line, "\t"); ok {
			tmpl, line = Template(k), v
		}
		t.Logf("%q\n  %s", line, explain(line, tmpl))
	}
}
