package templates

import (
	"strconv"
	"strings"
	"sync"
	"unicode"
	"unicode/utf8"
)

// Result is the outcome of [Reply].
type Result struct {
	Intent Intent `json:"intent"`
	// Language is the language Text is written in: en or sw.
	Language Language `json:"language"`
	Text     string   `json:"text"`
	// When is the day and time the customer mentioned, if any, whatever
	// the intent; the reply repeats it back for book, reschedule, order and
	// cancel requests.
	When When `json:"when,omitzero"`
}

// Reply classifies one customer message and writes the reply for cfg.
//
// It never fails: an invalid configuration falls back to the booking
// template, automatic language choice, the generic business name and
// built-in texts for any override that does not pass [ValidateOverride].
// Messages of any size and any bytes (including invalid UTF-8) are
// accepted; a very long message is judged on its first few hundred words.
func Reply(text string, cfg Config) Result {
	lx := theLexicon()
	sc := scratchPool.Get().(*scratch)
	defer sc.release()
	toks := tokenizeInto(text, sc.toks[:0], sc.spans[:0])
	hits := sc.hits[:0]
	if len(toks) > cap(hits) {
		hits = make([]hit, len(toks))
	}
	hits = hits[:len(toks)]

	a := lx.analyseTokens(toks, hits)
	if strings.IndexByte(text, '?') >= 0 {
		a.flags |= fQuestion
	}
	when, twoWhen := extractWhenCount(toks)
	if twoWhen {
		a.flags |= fTwoWhen
	}
	tmpl := cfg.Template
	if !tmpl.Valid() {
		tmpl = Booking
	}
	scoreRules(&a, when, tmpl)
	intent := decide(&a, tmpl)

	lang := cfg.Language
	if !lang.Valid() {
		lang = detectLanguage(&a)
	}
	return Result{
		Intent:   allIntents[intent],
		Language: lang,
		Text:     render(cfg, tmpl, intent, lang, when),
		When:     when,
	}
}

// scratch holds Reply's working arrays. They come from a pool rather than
// the stack: as locals they made Reply's frames several kilobytes deep, and
// a goroutine with a small stack calling it (every link's delivery
// goroutine, whose stack each garbage collection shrinks again) copied its
// whole stack to a bigger one on nearly every message, which cost the
// server as much CPU as Reply itself.
type scratch struct {
	toks  [48]token
	hits  [48]hit
	spans [64]tokSpan
}

var scratchPool = sync.Pool{New: func() any { return new(scratch) }}

// release clears what could keep a message's text alive and returns sc to
// the pool.
func (sc *scratch) release() {
	clear(sc.toks[:])
	clear(sc.hits[:])
	scratchPool.Put(sc)
}

// echoesWhen lists the intents whose replies repeat the day and time back.
func echoesWhen(i intentID) bool {
	return i == iBook || i == iReschedule || i == iOrder || i == iCancel
}

// render writes the reply text: the tenant's override if a valid one is set,
// else the built-in text, with placeholders filled in.
func render(cfg Config, tmpl Template, intent intentID, lang Language, when When) string {
	business := strings.TrimSpace(cfg.Business)
	if business == "" || ValidateBusiness(business) != nil {
		business = defaultBusinessEn
		if lang == Swahili {
			business = defaultBusinessSw
		}
	}
	if o, ok := cfg.Overrides.Lookup(allIntents[intent], lang); ok && ValidateOverride(allIntents[intent], lang, o) == nil {
		return strings.ReplaceAll(o, PlaceholderBusiness, business)
	}
	rt := builtinTexts(tmpl)[intent].in(lang)
	tpl := rt.plain
	if rt.when != "" && !when.IsZero() && echoesWhen(intent) {
		tpl = rt.when
	}
	var sb strings.Builder
	sb.Grow(len(tpl) + len(business) + 32)
	if strings.HasPrefix(tpl, PlaceholderBusiness) {
		// A reply opens with the name: "Our business delivers", not "our".
		r, size := utf8.DecodeRuneInString(business)
		sb.WriteRune(unicode.ToUpper(r))
		sb.WriteString(business[size:])
		tpl = tpl[len(PlaceholderBusiness):]
	}
	for {
		i := strings.IndexByte(tpl, '{')
		if i < 0 {
			sb.WriteString(tpl)
			break
		}
		sb.WriteString(tpl[:i])
		tpl = tpl[i:]
		j := strings.IndexByte(tpl, '}')
		if j < 0 {
			sb.WriteString(tpl)
			break
		}
		switch tpl[:j+1] {
		case "{business}":
			sb.WriteString(business)
		case "{when}":
			writeWhen(&sb, when, lang, false)
		case "{when_to}":
			writeWhen(&sb, when, lang, true)
		default:
			sb.WriteString(tpl[:j+1])
		}
		tpl = tpl[j+1:]
	}
	return sb.String()
}

// FormatWhen renders w as a phrase in lang ("tomorrow at 10 am", "on Monday
// evening", "kesho saa nne asubuhi"); it returns "" for the zero When.
func FormatWhen(w When, lang Language) string {
	var sb strings.Builder
	writeWhen(&sb, w, lang, false)
	return sb.String()
}

var (
	weekdayEn = map[Day]string{Monday: "Monday", Tuesday: "Tuesday", Wednesday: "Wednesday", Thursday: "Thursday", Friday: "Friday", Saturday: "Saturday", Sunday: "Sunday"}
	weekdaySw = map[Day]string{Monday: "Jumatatu", Tuesday: "Jumanne", Wednesday: "Jumatano", Thursday: "Alhamisi", Friday: "Ijumaa", Saturday: "Jumamosi", Sunday: "Jumapili"}
	monthEn   = [...]string{"", "January", "February", "March", "April", "May", "June", "July", "August", "September", "October", "November", "December"}
	monthSw   = [...]string{"", "Januari", "Februari", "Machi", "Aprili", "Mei", "Juni", "Julai", "Agosti", "Septemba", "Oktoba", "Novemba", "Desemba"}
	swHours   = [...]string{"", "moja", "mbili", "tatu", "nne", "tano", "sita", "saba", "nane", "tisa", "kumi", "kumi na moja", "kumi na mbili"}
	partSw    = map[DayPart]string{Morning: "asubuhi", Afternoon: "mchana", Evening: "jioni", Night: "usiku"}
)

// writeWhen writes w as an adverbial phrase ("on Monday at 3 pm"), or as a
// noun phrase ("Monday at 3 pm") when nominal is set, for use after "to".
func writeWhen(sb *strings.Builder, w When, lang Language, nominal bool) {
	if lang == Swahili {
		writeWhenSw(sb, w)
		return
	}
	words := 0
	space := func() {
		if words > 0 {
			sb.WriteByte(' ')
		}
		words++
	}
	hasDate := w.DayOfMonth != 0
	switch w.Day {
	case "":
	case Today:
		switch {
		case w.Part == "" || w.Time != "":
			space()
			sb.WriteString("today")
		case w.Part == Night:
			space()
			sb.WriteString("tonight")
		default:
			space()
			sb.WriteString("this ")
			sb.WriteString(string(w.Part))
		}
	case Tomorrow:
		space()
		sb.WriteString("tomorrow")
		if w.Part != "" && w.Time == "" {
			sb.WriteByte(' ')
			sb.WriteString(string(w.Part))
		}
	case DayAfterTomorrow:
		space()
		sb.WriteString("the day after tomorrow")
	default:
		space()
		if !nominal {
			sb.WriteString("on ")
		}
		sb.WriteString(weekdayEn[w.Day])
		if w.Part != "" && w.Time == "" && !hasDate {
			sb.WriteByte(' ')
			sb.WriteString(string(w.Part))
		}
	}
	if hasDate {
		space()
		switch {
		case w.Day != "" && (w.Day == Today || w.Day == Tomorrow || w.Day == DayAfterTomorrow):
			// "tomorrow 12 March": a relative day then the date
		case w.Day == "" && !nominal:
			sb.WriteString("on ")
		}
		if w.Month != 0 {
			sb.WriteString(strconv.Itoa(w.DayOfMonth))
			sb.WriteByte(' ')
			sb.WriteString(monthEn[w.Month])
			if w.Year != 0 {
				sb.WriteByte(' ')
				sb.WriteString(strconv.Itoa(w.Year))
			}
		} else {
			sb.WriteString("the ")
			sb.WriteString(ordinalEn(w.DayOfMonth))
		}
	}
	if h, m, ok := w.Clock(); ok {
		space()
		if !nominal || words > 1 {
			sb.WriteString("at ")
		}
		writeClockEn(sb, h, m)
	} else if w.Part != "" && (w.Day == "" || w.Day == DayAfterTomorrow || hasDate) {
		space()
		switch {
		case w.Part == Night:
			sb.WriteString("at night")
		case nominal && words == 1:
			sb.WriteString("the ")
			sb.WriteString(string(w.Part))
		default:
			sb.WriteString("in the ")
			sb.WriteString(string(w.Part))
		}
	}
}

func ordinalEn(n int) string {
	suffix := "th"
	switch {
	case n%100 >= 11 && n%100 <= 13:
	case n%10 == 1:
		suffix = "st"
	case n%10 == 2:
		suffix = "nd"
	case n%10 == 3:
		suffix = "rd"
	}
	return strconv.Itoa(n) + suffix
}

// writeClockEn writes "10 am", "10:30 am", "noon", "midnight".
func writeClockEn(sb *strings.Builder, h, m int) {
	switch {
	case h == 12 && m == 0:
		sb.WriteString("noon")
		return
	case h == 0 && m == 0:
		sb.WriteString("midnight")
		return
	}
	h12 := h % 12
	if h12 == 0 {
		h12 = 12
	}
	sb.WriteString(strconv.Itoa(h12))
	if m != 0 {
		sb.WriteByte(':')
		if m < 10 {
			sb.WriteByte('0')
		}
		sb.WriteString(strconv.Itoa(m))
	}
	if h < 12 {
		sb.WriteString(" am")
	} else {
		sb.WriteString(" pm")
	}
}

// writeWhenSw writes w in Swahili: "kesho saa nne asubuhi", "Alhamisi
// jioni", "tarehe 12 Machi saa tisa mchana".
func writeWhenSw(sb *strings.Builder, w When) {
	words := 0
	space := func() {
		if words > 0 {
			sb.WriteByte(' ')
		}
		words++
	}
	switch w.Day {
	case "":
	case Today:
		space()
		sb.WriteString("leo")
	case Tomorrow:
		space()
		sb.WriteString("kesho")
	case DayAfterTomorrow:
		space()
		sb.WriteString("keshokutwa")
	default:
		space()
		sb.WriteString(weekdaySw[w.Day])
	}
	if w.DayOfMonth != 0 {
		space()
		sb.WriteString("tarehe ")
		sb.WriteString(strconv.Itoa(w.DayOfMonth))
		if w.Month != 0 {
			sb.WriteByte(' ')
			sb.WriteString(monthSw[w.Month])
			if w.Year != 0 {
				sb.WriteByte(' ')
				sb.WriteString(strconv.Itoa(w.Year))
			}
		}
	}
	if h, m, ok := w.Clock(); ok {
		space()
		writeClockSw(sb, h, m)
	} else if w.Part != "" {
		space()
		sb.WriteString(partSw[w.Part])
	}
}

// writeClockSw writes a 24-hour time on the Swahili clock: 10:00 is "saa
// nne asubuhi", 20:00 "saa mbili usiku", 9:45 "saa nne kasorobo asubuhi".
func writeClockSw(sb *strings.Builder, h, m int) {
	minutes := ""
	switch m {
	case 0:
	case 15:
		minutes = " na robo"
	case 30:
		minutes = " na nusu"
	case 45:
		h = (h + 1) % 24
		minutes = " kasorobo"
	default:
		minutes = " na dakika " + strconv.Itoa(m)
	}
	sw := (h + 6) % 12
	if sw == 0 {
		sw = 12
	}
	sb.WriteString("saa ")
	sb.WriteString(swHours[sw])
	sb.WriteString(minutes)
	sb.WriteByte(' ')
	sb.WriteString(swPartOfHour(h))
}

// swPartOfHour names the part of the day a 24-hour hour falls in.
func swPartOfHour(h int) string {
	switch {
	case h < 4:
		return "usiku"
	case h < 6:
		return "alfajiri"
	case h < 12:
		return "asubuhi"
	case h < 16:
		return "mchana"
	case h < 19:
		return "jioni"
	}
	return "usiku"
}
