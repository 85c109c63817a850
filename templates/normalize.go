package templates

import (
	"unicode"
	"unicode/utf8"
)

// maxTokens bounds the work done for one message: a very long message is
// judged on its first maxTokens words, which is plenty for a chat message.
const maxTokens = 400

type tokenKind uint8

const (
	tkWord   tokenKind = iota // letters (lower case), or a known emoji
	tkNumber                  // digits only
	tkClock                   // digits with a colon: 10:30
	tkDec                     // digits with a dot: 10.30
	tkDate                    // digits with / or -: 12/3, 12-03-2026
	tkOther                   // a digit group that is none of the above
)

// token is one normalised word of a message. text is lower case with
// apostrophes and in-word hyphens removed ("can't" → "cant", "ku-book" →
// "kubook", "M-Pesa" → "mpesa").
type token struct {
	text string
	kind tokenKind
	// glued is set when the token follows the previous one with no
	// separator, as "am" does in "10am".
	glued bool
}

// emojiWords are the emoji that carry meaning for the classifier; each
// becomes a token of its own (the lexicon knows them).
func isMeaningfulEmoji(r rune) bool {
	switch r {
	case '🙏', '👋', '👍', '🤝':
		return true
	}
	return false
}

func isApostrophe(r rune) bool {
	return r == '\'' || r == '’' || r == '‘' || r == '`' || r == '´'
}

func isHyphen(r rune) bool { return r == '-' || r == '‐' || r == '‑' || r == '–' }

func isDigit(r rune) bool { return r >= '0' && r <= '9' }

// letterAt reports whether s[i:] starts with a letter.
func letterAt(s string, i int) bool {
	if i >= len(s) {
		return false
	}
	if c := s[i]; c < utf8.RuneSelf {
		return ('a' <= c && c <= 'z') || ('A' <= c && c <= 'Z')
	}
	r, _ := utf8.DecodeRuneInString(s[i:])
	return unicode.IsLetter(r)
}

func digitAt(s string, i int) bool { return i < len(s) && s[i] >= '0' && s[i] <= '9' }

// tokenize splits text into normalised tokens. Invalid UTF-8 bytes and all
// punctuation and symbols other than those handled here act as separators.
// It appends to toks and returns it.
func tokenize(text string, toks []token) []token {
	return tokenizeInto(text, toks, nil)
}

// tokSpan is one token's bytes in tokenize's buffer.
type tokSpan struct {
	start, end int
	kind       tokenKind
	glued      bool
}

// tokenizeInto is tokenize with a scratch slice for the token boundaries
// (its contents are overwritten).
func tokenizeInto(text string, toks []token, spans []tokSpan) []token {
	limit := len(text)
	if limit > 8*maxTokens {
		limit = 8 * maxTokens // enough bytes for maxTokens ordinary words
	}
	buf := make([]byte, 0, limit+8)

	// Token bytes go into buf with their boundaries recorded in spans; the
	// strings are cut from one shared string at the end, so a message costs
	// one allocation for all its words.
	spans = spans[:0]
	start := 0        // start in buf of the token being built
	cur := tkWord     // kind of the token being built
	building := false // a token is being built
	sepBefore := true // a separator came before the token being built
	end := func(glueNext bool) {
		if building {
			spans = append(spans, tokSpan{start, len(buf), cur, !sepBefore})
		}
		building = false
		sepBefore = !glueNext
	}
	begin := func(k tokenKind) {
		start = len(buf)
		cur = k
		building = true
	}

	for i := 0; i < len(text); {
		if len(spans) >= maxTokens || len(buf) >= limit {
			break
		}
		r, size := utf8.DecodeRuneInString(text[i:])
		if r == utf8.RuneError && size <= 1 {
			end(false)
			i++
			continue
		}
		switch {
		case isDigit(r):
			if building && cur == tkWord {
				end(true)
			}
			if !building {
				begin(tkNumber)
			}
			buf = append(buf, byte(r))
		case unicode.IsLetter(r):
			if building && cur != tkWord {
				end(true)
			}
			if !building {
				begin(tkWord)
			}
			if r < utf8.RuneSelf {
				if 'A' <= r && r <= 'Z' {
					r += 'a' - 'A'
				}
				buf = append(buf, byte(r))
			} else {
				buf = utf8.AppendRune(buf, unicode.ToLower(r))
			}
		case unicode.Is(unicode.Mn, r):
			// Combining marks (accents typed separately) are dropped.
		case building && cur == tkWord && isApostrophe(r) && letterAt(text, i+size):
			// "can't" → "cant"; a possessive or contracted 's is dropped:
			// "tomorrow's" → "tomorrow", "what's" → "what".
			if n := i + size; n < len(text) && (text[n] == 's' || text[n] == 'S') && !letterAt(text, n+1) {
				i = n + 1
				continue
			}
		case building && cur == tkWord && isHyphen(r) && letterAt(text, i+size):
			// "ku-book" → "kubook", "m-pesa" → "mpesa".
		case building && cur != tkWord && (r == ':' || r == '.' || r == '/' || isHyphen(r)) && digitAt(text, i+size):
			c := byte(r)
			if isHyphen(r) {
				c = '-'
			}
			buf = append(buf, c)
			switch {
			case c == ':':
				cur = mergeKind(cur, tkClock)
			case c == '.':
				cur = mergeKind(cur, tkDec)
			default:
				cur = mergeKind(cur, tkDate)
			}
		case isMeaningfulEmoji(r):
			end(false)
			begin(tkWord)
			buf = utf8.AppendRune(buf, r)
			end(false)
		default:
			end(false)
		}
		i += size
	}
	end(false)

	all := string(buf)
	for _, s := range spans {
		toks = append(toks, token{text: all[s.start:s.end], kind: s.kind, glued: s.glued})
	}
	return toks
}

// mergeKind combines the kind a digit group had with the separator just seen;
// groups with mixed separators are tkOther.
func mergeKind(had, sep tokenKind) tokenKind {
	switch {
	case had == tkNumber:
		return sep
	case had == sep && sep == tkDate:
		return tkDate // 12/03/2026
	default:
		return tkOther
	}
}
