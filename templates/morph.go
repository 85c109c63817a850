package templates

import "strings"

// hit is what analysis found for one token.
type hit struct {
	e     *entry // nil: an unknown word
	flags flag   // flags the form adds (negative, past) on top of e.flags
	// swGrammar is set when the word is a Swahili inflected form (ni-na-taka,
	// ku-book): strong evidence for Swahili even if the stem is English.
	swGrammar bool
}

// lemma is the form phrases are matched on.
func (h hit) lemma(tok string) string {
	if h.e != nil {
		return h.e.lemma
	}
	return tok
}

// analyse finds what a word means: the word itself, then with repeated
// letters squeezed, then as an inflected Swahili verb, then as an inflected
// English word, then as a one-letter typo of a known word.
func (lx *lexicon) analyse(w string) hit {
	if e := lx.words[w]; e != nil {
		return hit{e: e}
	}
	h := lx.analyseSqueezed(w)
	// A Swahili verb ending in -je asks "how": nitafikaje, nilipeje.
	if h.swGrammar && len(w) > 4 && w[len(w)-2:] == "je" {
		h.flags |= fHow
	}
	return h
}

func (lx *lexicon) analyseSqueezed(w string) hit {
	if hasRun(w, 3) {
		// "hiiii" → "hi", "pleeease" → "please"; else "goood" → "good".
		var b1, b2 [64]byte
		one, two := squeeze(b1[:0], w, 1), squeeze(b2[:0], w, 2)
		if e := lx.words[string(one)]; e != nil {
			return hit{e: e}
		}
		if e := lx.words[string(two)]; e != nil {
			return hit{e: e}
		}
		if len(one) > 0 && len(one) < len(w) {
			if h := lx.analyseInflected(string(two)); h.e != nil {
				return h
			}
			return lx.analyseInflected(string(one))
		}
	}
	return lx.analyseInflected(w)
}

func (lx *lexicon) analyseInflected(w string) hit {
	if h := lx.swahiliVerb(w); h.e != nil {
		return h
	}
	if h := lx.englishInflection(w); h.e != nil {
		return h
	}
	if hasRun(w, 2) {
		// "heyy" → "hey", "pleasee" → "please".
		var b [64]byte
		if e := lx.words[string(squeezeAll(b[:0], w))]; e != nil {
			return hit{e: e}
		}
	}
	if e := lx.typo(w); e != nil {
		return hit{e: e}
	}
	return hit{}
}

// squeezeAll appends w to dst with every run of equal bytes cut to one.
func squeezeAll(dst []byte, w string) []byte {
	for i := 0; i < len(w); i++ {
		if i == 0 || w[i] != w[i-1] {
			dst = append(dst, w[i])
		}
	}
	return dst
}

// hasRun reports whether w has n or more of the same byte in a row.
func hasRun(w string, n int) bool {
	run := 1
	for i := 1; i < len(w); i++ {
		if w[i] == w[i-1] {
			run++
			if run >= n {
				return true
			}
		} else {
			run = 1
		}
	}
	return false
}

// squeeze appends w to dst with every run of three or more equal bytes cut
// to keep bytes.
func squeeze(dst []byte, w string, keep int) []byte {
	for i := 0; i < len(w); {
		j := i
		for j < len(w) && w[j] == w[i] {
			j++
		}
		n := j - i
		if n >= 3 {
			n = keep
		}
		for k := 0; k < n; k++ {
			dst = append(dst, w[i])
		}
		i = j
	}
	return dst
}

// Swahili verb prefixes. A verb is subject + tense + (relative) + (object) +
// root + ending: ni-na-taka, tu-li-ye-ku-ona, a-me-fika; negative forms use
// their own subject prefixes: si-ta-weza, ha-i-fanyi, si-ja-pokea.
var (
	swSubject  = []string{"ni", "u", "a", "tu", "m", "mu", "mw", "wa", "i", "li", "ki", "vi", "zi", "ya", "ku", "pa"}
	swTense    = []string{"na", "li", "ta", "me", "ki", "nge", "ngali", "ka", "ja"}
	swRelative = []string{"ye", "o", "lo", "yo", "cho", "vyo", "zo", "po", "ko", "mo"}
	swObject   = []string{"ni", "ku", "m", "mw", "mu", "tu", "wa", "ki", "vi", "i", "zi", "li", "ya", "u", "ji", "pa"}
	swNegSubj  = []string{"si", "hu", "ha", "hatu", "ham", "hamu", "hawa", "hai", "hali", "haki", "havi", "hazi", "haya", "hau"}
	swNegTense = []string{"ku", "ta", "ja"}
)

// verbStart is one way to read the prefixes of a word.
type verbStart struct {
	at    int // where the root starts
	flags flag
}

// verbStarts lists the places a verb root may start in w, after the
// prefixes. It appends to dst and returns it.
func verbStarts(dst []verbStart, w string) []verbStart {
	// Infinitive: ku-(object)-root; negative infinitive kuto-.
	for _, inf := range [...]string{"ku", "kuto"} {
		if strings.HasPrefix(w, inf) {
			fl := flag(0)
			if inf == "kuto" {
				fl = fNeg
			}
			dst = withObject(dst, w, len(inf), fl)
		}
	}
	// Contracted first person present: na-taka (= ni-na-taka), nna-.
	for _, c := range [...]string{"na", "nna"} {
		if strings.HasPrefix(w, c) {
			dst = withObject(dst, w, len(c), 0)
		}
	}
	// Positive: subject-(tense)-(relative)-(object)-root. With no tense it
	// is a subjunctive or an imperative with an object (ni-lip-e, ni-pe).
	for _, s := range swSubject {
		if !strings.HasPrefix(w, s) {
			continue
		}
		at := len(s)
		dst = withObject(dst, w, at, 0)
		for _, t := range swTense {
			if !strings.HasPrefix(w[at:], t) {
				continue
			}
			fl := flag(0)
			switch t {
			case "me", "li":
				fl = fPast
			case "ja":
				continue // only after a negative subject
			}
			at2 := at + len(t)
			dst = withObject(dst, w, at2, fl)
			for _, r := range swRelative {
				if strings.HasPrefix(w[at2:], r) {
					dst = withObject(dst, w, at2+len(r), fl)
				}
			}
		}
	}
	// Negative: si-ta-weza, ha-i-fanyi, si-ja-pokea, ha-ku-fika.
	for _, s := range swNegSubj {
		if !strings.HasPrefix(w, s) {
			continue
		}
		at := len(s)
		dst = withObject(dst, w, at, fNeg)
		for _, t := range swNegTense {
			if strings.HasPrefix(w[at:], t) {
				fl := fNeg
				switch t {
				case "ja":
					fl |= fNotYet
				case "ku":
					fl |= fPast
				}
				dst = withObject(dst, w, at+len(t), fl)
			}
		}
	}
	// Habitual hu-: hu-fungua.
	if strings.HasPrefix(w, "hu") {
		dst = withObject(dst, w, 2, 0)
	}
	return dst
}

// withObject adds the start at, and the starts after each object prefix
// that follows it.
func withObject(dst []verbStart, w string, at int, fl flag) []verbStart {
	if at >= len(w) {
		return dst
	}
	dst = append(dst, verbStart{at, fl})
	for _, o := range swObject {
		if strings.HasPrefix(w[at:], o) && at+len(o) < len(w) {
			dst = append(dst, verbStart{at + len(o), fl})
		}
	}
	return dst
}

// swahiliVerb reads w as prefixes + a known Swahili root + an ending, or as
// Swahili prefixes on a known English word (ku-book, ha-i-connect). The
// reading with the longest stem wins.
func (lx *lexicon) swahiliVerb(w string) hit {
	if len(w) < 4 || !isASCIIWord(w) {
		return hit{}
	}
	var arr [48]verbStart
	starts := verbStarts(arr[:0], w)
	var best hit
	bestLen := 0
	for _, s := range starts {
		rest := w[s.at:]
		if e, n := lx.roots.longestRoot(rest); e != nil && n > bestLen {
			best, bestLen = hit{e: e, flags: s.flags, swGrammar: true}, n
		}
		if len(rest) >= 3 && len(rest) > bestLen {
			// An English word (ku-book, ha-i-connect), or a one-syllable
			// Swahili verb that keeps its ku- (si-ta-kuja, ni-me-kula).
			if e := lx.words[rest]; e != nil && isContent(e) && (e.lang != lSw || strings.HasPrefix(rest, "ku")) {
				best, bestLen = hit{e: e, flags: s.flags, swGrammar: true}, len(rest)
			}
		}
	}
	return best
}

// isContent reports whether a word means something to the classifier.
func isContent(e *entry) bool {
	if e.flags != 0 {
		return true
	}
	for _, v := range e.w {
		if v != 0 {
			return true
		}
	}
	return false
}

// englishInflection strips a regular English ending: -s, -es, -ies, -ed,
// -ied, -ing, -ly, undoing a doubled consonant or a dropped e.
func (lx *lexicon) englishInflection(w string) hit {
	n := len(w)
	if n < 4 || !isASCIIWord(w) {
		return hit{}
	}
	var buf [64]byte
	try := func(stem string, extra string, fl flag) hit {
		if len(stem) < 2 || len(stem)+len(extra) > len(buf) {
			return hit{}
		}
		b := append(append(buf[:0], stem...), extra...)
		if e := lx.words[string(b)]; e != nil && e.lang != lSw {
			return hit{e: e, flags: fl}
		}
		return hit{}
	}
	first := func(hs ...hit) hit {
		for _, h := range hs {
			if h.e != nil {
				return h
			}
		}
		return hit{}
	}
	switch {
	case strings.HasSuffix(w, "ies"):
		return first(try(w[:n-3], "y", 0), try(w[:n-1], "", 0))
	case strings.HasSuffix(w, "ied"):
		return try(w[:n-3], "y", fPast)
	case strings.HasSuffix(w, "ing"):
		stem := w[:n-3]
		return first(try(stem, "", 0), try(stem, "e", 0), try(undouble(stem), "", 0))
	case strings.HasSuffix(w, "ed"):
		stem := w[:n-2]
		return first(try(stem, "", fPast), try(w[:n-1], "", fPast), try(undouble(stem), "", fPast))
	case strings.HasSuffix(w, "es"):
		return first(try(w[:n-2], "", 0), try(w[:n-1], "", 0))
	case strings.HasSuffix(w, "ly"):
		return try(w[:n-2], "", 0)
	case strings.HasSuffix(w, "s") && !strings.HasSuffix(w, "ss"):
		return try(w[:n-1], "", 0)
	}
	return hit{}
}

// undouble turns "stopp" into "stop"; other stems are returned unchanged.
func undouble(s string) string {
	if n := len(s); n >= 3 && s[n-1] == s[n-2] && !isVowel(s[n-1]) {
		return s[:n-1]
	}
	return s
}

// typo matches w against known words of five or more letters that differ by
// one letter (missing, extra, wrong, or two neighbours swapped). The first
// letter must match: people rarely mistype it, and without this rule real
// words the lexicon lacks get "corrected" ("married" is not "arrived").
func (lx *lexicon) typo(w string) *entry {
	e := lx.typoAny(w)
	if e == nil || e.lemma == "" || e.lemma[0] != w[0] {
		return nil
	}
	return e
}

func (lx *lexicon) typoAny(w string) *entry {
	n := len(w)
	if n < 5 || n > 40 || !isASCIIWord(w) {
		return nil
	}
	var buf [40]byte
	// One extra letter in w: a deletion of w is a word.
	if n >= 6 {
		for i := 0; i < n; i++ {
			b := append(append(buf[:0], w[:i]...), w[i+1:]...)
			if e := lx.words[string(b)]; e != nil && len(b) >= 5 && isContent(e) {
				return e
			}
		}
	}
	// One letter missing from w: w is a deletion of a word.
	if e, ok := lx.fuzzy[w]; ok {
		return e // nil when ambiguous
	}
	// One letter wrong, or two swapped: a deletion of w is a deletion of a word.
	for i := 0; i < n; i++ {
		b := append(append(buf[:0], w[:i]...), w[i+1:]...)
		if e := lx.fuzzy[string(b)]; e != nil {
			return e
		}
	}
	return nil
}
