package templates

import (
	"strconv"
	"strings"
)

// Day is a day a customer named, relative to when they wrote ("tomorrow")
// or a weekday. Reply never resolves it to a date: it has no clock.
type Day string

// Days.
const (
	Today            Day = "today"
	Tomorrow         Day = "tomorrow"
	DayAfterTomorrow Day = "day_after_tomorrow"
	Monday           Day = "monday"
	Tuesday          Day = "tuesday"
	Wednesday        Day = "wednesday"
	Thursday         Day = "thursday"
	Friday           Day = "friday"
	Saturday         Day = "saturday"
	Sunday           Day = "sunday"
)

// DayPart is a part of the day named without a clock time ("tomorrow
// morning", "Alhamisi jioni").
type DayPart string

// Parts of the day.
const (
	Morning   DayPart = "morning"   // asubuhi
	Afternoon DayPart = "afternoon" // mchana
	Evening   DayPart = "evening"   // jioni
	Night     DayPart = "night"     // usiku
)

// When is the day and time a customer mentioned. Every field is optional;
// the zero When means nothing was understood.
type When struct {
	Day Day `json:"day,omitempty"`
	// Month (1–12), DayOfMonth (1–31) and Year come from a calendar date
	// ("12/3", "March 12", "tarehe 12"); Month and Year may be 0 when the
	// customer did not say them.
	Month      int `json:"month,omitempty"`
	DayOfMonth int `json:"day_of_month,omitempty"`
	Year       int `json:"year,omitempty"`
	// Time is a 24-hour "HH:MM" clock time.
	Time string `json:"time,omitempty"`
	// Part is set when a part of the day was named without a clock time.
	Part DayPart `json:"part,omitempty"`
}

// IsZero reports whether nothing was understood.
func (w When) IsZero() bool { return w == When{} }

// Clock returns the hour and minute of Time.
func (w When) Clock() (hour, minute int, ok bool) {
	if len(w.Time) != 5 || w.Time[2] != ':' {
		return 0, 0, false
	}
	h, err1 := strconv.Atoi(w.Time[:2])
	m, err2 := strconv.Atoi(w.Time[3:])
	if err1 != nil || err2 != nil {
		return 0, 0, false
	}
	return h, m, true
}

var dayWords = map[string]Day{
	"today": Today, "tday": Today, "leo": Today, "tonight": Today, "tonite": Today,
	"tomorrow": Tomorrow, "tomorow": Tomorrow, "tommorow": Tomorrow, "tommorrow": Tomorrow,
	"tomoro": Tomorrow, "tomorro": Tomorrow, "tmrw": Tomorrow, "tmr": Tomorrow, "tmrow": Tomorrow,
	"tomorrows": Tomorrow, "kesho": Tomorrow,
	"keshokutwa": DayAfterTomorrow, "kesho-kutwa": DayAfterTomorrow,
	"monday": Monday, "mon": Monday, "jumatatu": Monday, "jtatu": Monday, "mondays": Monday,
	"tuesday": Tuesday, "tue": Tuesday, "tues": Tuesday, "jumanne": Tuesday, "jtano": Wednesday, "tuesdays": Tuesday,
	"wednesday": Wednesday, "wednesdays": Wednesday, "jumatano": Wednesday,
	"thursday": Thursday, "thu": Thursday, "thur": Thursday, "thurs": Thursday, "alhamisi": Thursday, "thursdays": Thursday,
	"friday": Friday, "fri": Friday, "ijumaa": Friday, "fridays": Friday,
	"saturday": Saturday, "jumamosi": Saturday, "jmosi": Saturday, "saturdays": Saturday,
	"sunday": Sunday, "jumapili": Sunday, "jpili": Sunday, "sundays": Sunday,
	// Abbreviations that are also English words count only after a
	// preposition; see weekdayAbbrev.
}

// weekdayAbbrev are short forms that are also ordinary words ("sat", "sun",
// "wed"); they count as days only after on/this/next/by/until.
var weekdayAbbrev = map[string]Day{"sat": Saturday, "sun": Sunday, "wed": Wednesday}

var partWords = map[string]DayPart{
	"morning": Morning, "asubuhi": Morning, "alfajiri": Morning,
	"afternoon": Afternoon, "mchana": Afternoon,
	"evening": Evening, "jioni": Evening, "tonight": Night, "tonite": Night,
	"night": Night, "usiku": Night,
}

var monthWords = map[string]int{
	"january": 1, "jan": 1, "januari": 1,
	"february": 2, "feb": 2, "februari": 2,
	"march": 3, "mar": 3, "machi": 3,
	"april": 4, "apr": 4, "aprili": 4,
	"may": 5, "mei": 5,
	"june": 6, "jun": 6, "juni": 6,
	"july": 7, "jul": 7, "julai": 7,
	"august": 8, "aug": 8, "agosti": 8,
	"september": 9, "sep": 9, "sept": 9, "septemba": 9,
	"october": 10, "oct": 10, "oktoba": 10,
	"november": 11, "nov": 11, "novemba": 11,
	"december": 12, "dec": 12, "desemba": 12, "disemba": 12,
}

var swNumbers = map[string]int{
	"moja": 1, "mbili": 2, "tatu": 3, "nne": 4, "tano": 5, "sita": 6,
	"saba": 7, "nane": 8, "tisa": 9, "kumi": 10,
	"ishirini": 20, "thelathini": 30,
}

var enNumbers = map[string]int{
	"one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6,
	"seven": 7, "eight": 8, "nine": 9, "ten": 10, "eleven": 11, "twelve": 12,
}

// toWords are the words that introduce the new day or time in a change
// request ("move it to Friday", "hadi Ijumaa"): a day after one replaces
// a day mentioned earlier.
func isToWord(s string) bool {
	switch s {
	case "to", "instead", "kwenda", "hadi", "mpaka", "badala", "till", "until":
		return true
	}
	return false
}

// clockIntro are words after which a bare number is a clock time ("at 3").
func isClockIntro(s string) bool {
	switch s {
	case "at", "around", "by", "from", "before", "after", "till", "until", "about", "between", "b4":
		return true
	}
	return false
}

// whenParser scans tokens for days, dates and times.
type whenParser struct {
	w When
	// hour and minute of a clock time found, and how sure we are of
	// morning/afternoon (the message may name a part of the day elsewhere).
	hour, minute int
	hasClock     bool
	clockFixed   bool // am/pm or a 24-hour time: the hour needs no adjusting
	swClock      int  // 1–12 when the time was given on the Swahili clock
	part         DayPart
	// days and clocks count the days and clock times mentioned; two of
	// either ("Monday … Wednesday", "3pm to 5pm") suggest a change.
	days, clocks int
	alt          bool // the token being scanned follows "or", "and", ...
}

// extractWhen finds the day, date and time in toks.
func extractWhen(toks []token) When {
	w, _ := extractWhenCount(toks)
	return w
}

// extractWhenCount also reports whether two different days or two clock
// times were mentioned.
func extractWhenCount(toks []token) (When, bool) {
	var p whenParser
	t := tokList(toks)
	for i := range t {
		p.scan(t, i)
	}
	p.finish()
	return p.w, p.days >= 2 || p.clocks >= 2
}

// tokList gives bounds-checked access to tokens. The parser's state is kept
// apart from the tokens so the token array can live on the caller's stack.
type tokList []token

func (t tokList) text(i int) string {
	if i < 0 || i >= len(t) {
		return ""
	}
	return t[i].text
}

func (t tokList) kind(i int) tokenKind {
	if i < 0 || i >= len(t) {
		return tkOther
	}
	return t[i].kind
}

func (t tokList) glued(i int) bool { return i >= 0 && i < len(t) && t[i].glued }

// number reads a small number at i: digits, or English/Swahili number
// words ("kumi na mbili" = 12, "ishirini na tano" = 25). It returns the
// value and how many tokens it used.
func (t tokList) number(i int) (int, int) {
	w := t.text(i)
	switch t.kind(i) {
	case tkNumber:
		if len(w) > 4 {
			return 0, 0
		}
		n, err := strconv.Atoi(w)
		if err != nil {
			return 0, 0
		}
		return n, 1
	case tkWord:
	default:
		return 0, 0
	}
	if n, ok := enNumbers[w]; ok {
		return n, 1
	}
	n, ok := swNumbers[w]
	if !ok {
		return 0, 0
	}
	if n%10 == 0 && t.text(i+1) == "na" {
		if u, ok := swNumbers[t.text(i+2)]; ok && u < 10 {
			return n + u, 3
		}
	}
	return n, 1
}

// isAlternative reports whether the word before a day or time offers a
// choice or a range ("Monday or Tuesday", "between 2 and 4"), which is not
// a change from one to the other.
func (t tokList) isAlternative(i int) bool {
	switch t.text(i - 1) {
	case "or", "au", "ama", "and", "na", "between", "kati":
		return true
	}
	return false
}

func (p *whenParser) setDay(t tokList, i int, d Day) {
	if p.w.Day != d && !t.isAlternative(i) {
		p.days++
	}
	if p.w.Day == "" || isToWord(t.text(i-1)) || isToWord(t.text(i-2)) {
		p.w.Day = d
	}
}

func (p *whenParser) scan(t tokList, i int) {
	tok := t[i]
	p.alt = t.isAlternative(i) || t.isAlternative(i-1) && t.text(i-1) == "saa"
	switch tok.kind {
	case tkClock, tkDec:
		p.clockToken(t, i)
		return
	case tkDate:
		p.dateToken(t, i)
		return
	case tkNumber:
		p.numberToken(t, i)
		return
	case tkWord:
	default:
		return
	}
	s := tok.text
	if d, ok := dayWords[s]; ok {
		if s == "kesho" && t.text(i+1) == "kutwa" {
			d = DayAfterTomorrow
		}
		p.setDay(t, i, d)
		if s == "tonight" || s == "tonite" {
			p.part = Night
		}
		return
	}
	if d, ok := weekdayAbbrev[s]; ok {
		switch t.text(i - 1) {
		case "on", "this", "next", "by", "until", "till", "coming":
			p.setDay(t, i, d)
		}
		return
	}
	switch s {
	case "day":
		// "the day after tomorrow"
		if t.text(i+1) == "after" && t.text(i+2) == "tomorrow" {
			p.setDay(t, i, DayAfterTomorrow)
		}
		return
	case "after":
		return
	case "noon", "midday":
		p.setClock(12, 0, true)
		return
	case "midnight":
		p.setClock(0, 0, true)
		return
	case "saa":
		p.swahiliClock(t, i)
		return
	case "tarehe":
		if n, used := t.number(i + 1); used > 0 && n >= 1 && n <= 31 && t.kind(i+1) != tkDate {
			p.w.DayOfMonth = n
			p.monthAfter(t, i+1+used)
		}
		return
	case "half", "quarter":
		p.englishFraction(t, i)
		return
	}
	if part, ok := partWords[s]; ok {
		// "good morning" and "habari za asubuhi" are greetings, not times.
		if prev := t.text(i - 1); prev == "good" || prev == "za" || prev == "habari" {
			return
		}
		if p.part == "" {
			p.part = part
		}
		return
	}
	if m, ok := monthWords[s]; ok {
		p.monthWord(t, i, m)
	}
}

// monthWord handles "March 12", "12 March", "12th of March".
func (p *whenParser) monthWord(t tokList, i, m int) {
	// After: "March 12", "March 12th".
	if n, _ := t.number(i + 1); t.kind(i+1) == tkNumber && n >= 1 && n <= 31 {
		p.w.Month, p.w.DayOfMonth = m, n
		return
	}
	// Before: "12 March", "12th March", "12th of March", "tarehe 12 Machi".
	j := i - 1
	if t.text(j) == "of" {
		j--
	}
	if isOrdinal(t.text(j)) && t.glued(j) {
		j--
	}
	if t.kind(j) == tkNumber {
		if n, _ := t.number(j); n >= 1 && n <= 31 {
			p.w.Month, p.w.DayOfMonth = m, n
		}
	}
}

// monthAfter reads an optional month after a day of month: "Machi",
// "mwezi wa tatu", "mwezi wa 3", "of March".
func (p *whenParser) monthAfter(t tokList, i int) {
	if t.text(i) == "of" {
		i++
	}
	if m, ok := monthWords[t.text(i)]; ok && t.text(i) != "may" {
		p.w.Month = m
		return
	}
	if t.text(i) == "mwezi" && t.text(i+1) == "wa" {
		if n, used := t.number(i + 2); used > 0 && n >= 1 && n <= 12 {
			p.w.Month = n
		}
	}
}

func isOrdinal(s string) bool { return s == "th" || s == "st" || s == "nd" || s == "rd" }

// numberToken handles a bare number: "10am", "3 pm", "at 4", "4 o'clock",
// "the 12th".
func (p *whenParser) numberToken(t tokList, i int) {
	n, _ := t.number(i)
	next := t.text(i + 1)
	switch {
	case next == "am" || next == "pm" || (next == "a" || next == "p") && t.text(i+2) == "m":
		if n >= 1 && n <= 12 {
			h := n % 12
			if next[0] == 'p' {
				h += 12
			}
			p.setClock(h, 0, true)
		}
	case next == "oclock" || next == "o" && t.text(i+2) == "clock":
		if n >= 1 && n <= 12 {
			p.setClock(n, 0, false)
		}
	case isOrdinal(next) && t.glued(i+1):
		if n >= 1 && n <= 31 && p.w.DayOfMonth == 0 {
			// A month next to it is handled by monthWord.
			p.w.DayOfMonth = n
			p.monthAfter(t, i+2)
		}
	case isClockIntro(t.text(i-1)) && t.text(i-2) != "saa":
		if n >= 1 && n <= 12 {
			p.setClock(n, 0, false)
		} else if n >= 13 && n <= 23 {
			p.setClock(n, 0, true)
		}
	}
}

// clockToken handles "10:30", "10.30 am", "15:00".
func (p *whenParser) clockToken(t tokList, i int) {
	if t.text(i-1) == "saa" {
		return // read by swahiliClock
	}
	h, m, ok := parseClock(t.text(i))
	if !ok {
		return
	}
	next := t.text(i + 1)
	ampm := next == "am" || next == "pm"
	if t.kind(i) == tkDec && !ampm && !isClockIntro(t.text(i-1)) {
		return // "1.5" is more likely a quantity than a time
	}
	switch {
	case ampm && h >= 1 && h <= 12:
		h %= 12
		if next == "pm" {
			h += 12
		}
		p.setClock(h, m, true)
	case h == 0 || h >= 13:
		p.setClock(h, m, true)
	default:
		p.setClock(h, m, false)
	}
}

// parseClock reads "h:mm" or "h.mm".
func parseClock(s string) (h, m int, ok bool) {
	k := strings.IndexAny(s, ":.")
	if k < 1 || k > 2 || len(s)-k-1 != 2 {
		return 0, 0, false
	}
	h, err1 := strconv.Atoi(s[:k])
	m, err2 := strconv.Atoi(s[k+1:])
	if err1 != nil || err2 != nil || h > 23 || m > 59 {
		return 0, 0, false
	}
	return h, m, true
}

// dateToken handles "12/3", "12/03/2026", "12-3-26". Dates are day first,
// as written in East Africa, unless that cannot be ("3/25").
func (p *whenParser) dateToken(t tokList, i int) {
	parts := strings.FieldsFunc(t.text(i), func(r rune) bool { return r == '/' || r == '-' })
	if len(parts) < 2 || len(parts) > 3 {
		return
	}
	var nums [3]int
	for k, s := range parts {
		if len(s) > 4 {
			return
		}
		n, err := strconv.Atoi(s)
		if err != nil {
			return
		}
		nums[k] = n
	}
	d, m := nums[0], nums[1]
	if m > 12 && d <= 12 {
		d, m = m, d
	}
	if d < 1 || d > 31 || m < 1 || m > 12 {
		return
	}
	y := 0
	if len(parts) == 3 {
		switch y = nums[2]; {
		case len(parts[2]) == 2:
			y += 2000
		case len(parts[2]) != 4:
			return
		}
	}
	p.w.DayOfMonth, p.w.Month, p.w.Year = d, m, y
}

// englishFraction handles "half past 3", "quarter past 10", "quarter to 4".
func (p *whenParser) englishFraction(t tokList, i int) {
	rel := t.text(i + 1)
	if rel != "past" && rel != "to" {
		return
	}
	n, used := t.number(i + 2)
	if used == 0 || n < 1 || n > 12 {
		return
	}
	m := 30
	if t.text(i) == "quarter" {
		m = 15
	}
	if rel == "to" {
		if t.text(i) == "half" {
			return
		}
		n, m = n-1, 45
		if n == 0 {
			n = 12
		}
	}
	fixed := false
	if next := t.text(i + 2 + used); next == "am" || next == "pm" {
		fixed = true
		n %= 12
		if next == "pm" {
			n += 12
		}
	}
	p.setClock(n, m, fixed)
}

// swahiliClock reads a time on the Swahili clock after "saa" at i: hours
// count from 6 in the morning and 6 in the evening, so "saa moja" is 7
// o'clock and "saa nne asubuhi" is 10:00. "saa 4" is read the same way; a
// 24-hour time ("saa 14:00") or am/pm ("saa 10am") is taken as written.
func (p *whenParser) swahiliClock(t tokList, i int) {
	if p.hasClock {
		if n, used := t.number(i + 1); used > 0 && n > 0 && !p.alt {
			p.clocks++
		}
		return // the first time mentioned wins
	}
	j := i + 1
	hour, minute := 0, 0
	var fixed bool
	switch t.kind(j) {
	case tkClock, tkDec:
		h, m, ok := parseClock(t.text(j))
		if !ok {
			return
		}
		hour, minute = h, m
		j++
	default:
		n, used := t.number(j)
		if used == 0 {
			return
		}
		hour = n
		j += used
	}
	// "saa moja baadaye" (an hour later), "kwa saa mbili" (for two hours):
	// a duration, not a time of day.
	switch t.text(j) {
	case "baadaye", "zijazo", "zilizopita", "zaidi", "nzima":
		return
	}
	if t.text(i-1) == "kwa" || t.text(i-1) == "baada" {
		return
	}
	if next := t.text(j); next == "am" || next == "pm" {
		if hour < 1 || hour > 12 {
			return
		}
		hour %= 12
		if next == "pm" {
			hour += 12
		}
		p.setClock(hour, minute, true)
		return
	}
	if hour == 0 || hour > 12 {
		if hour > 23 {
			return
		}
		fixed = true
	}
	// Minutes: "na nusu" (+30), "na robo" (+15), "kasorobo"/"kasoro robo"
	// (−15), "na dakika kumi" (+10), "kasoro dakika tano" (−5).
	switch t.text(j) {
	case "na":
		switch t.text(j + 1) {
		case "nusu":
			minute = 30
		case "robo":
			minute = 15
		case "dakika":
			if n, used := t.number(j + 2); used > 0 && n < 60 {
				minute = n
			}
		}
	case "kasorobo":
		minute = -15
	case "kasoro":
		switch t.text(j + 1) {
		case "robo":
			minute = -15
		case "dakika":
			if n, used := t.number(j + 2); used > 0 && n < 60 {
				minute = -n
			}
		}
	}
	if fixed {
		if minute < 0 {
			hour, minute = (hour+23)%24, 60+minute
		}
		p.setClock(hour, minute, true)
		return
	}
	p.swClock = hour
	if !p.alt {
		p.clocks++
	}
	p.hour, p.minute, p.hasClock, p.clockFixed = 0, minute, true, false
}

func (p *whenParser) setClock(h, m int, fixed bool) {
	if !p.alt {
		p.clocks++
	}
	if p.hasClock {
		return // the first time mentioned wins
	}
	p.hour, p.minute, p.hasClock, p.clockFixed = h, m, true, fixed
}

// finish settles the hour using the part of the day, and fills in When.
func (p *whenParser) finish() {
	if !p.hasClock {
		p.w.Part = p.part
		return
	}
	h := p.hour
	if p.swClock != 0 {
		h = swahiliTo24(p.swClock, p.part)
	} else if !p.clockFixed {
		h = englishTo24(h, p.part)
	}
	m := p.minute
	if m < 0 { // "kasorobo": a quarter before the hour
		h, m = (h+23)%24, 60+m
	}
	p.w.Time = clockString(h, m)
}

// clockString formats a 24-hour time as "HH:MM".
func clockString(h, m int) string {
	b := [5]byte{byte('0' + h/10), byte('0' + h%10), ':', byte('0' + m/10), byte('0' + m%10)}
	return string(b[:])
}

// englishTo24 settles an hour given without am/pm: by the part of the day
// if one was named, else as business hours (1–6 is afternoon, 7–11 morning).
func englishTo24(h int, part DayPart) int {
	switch part {
	case Morning:
		return h % 12
	case Afternoon, Evening:
		return h%12 + 12
	case Night:
		if h == 12 {
			return 0
		}
		if h >= 6 {
			return h%12 + 12
		}
		return h
	}
	switch {
	case h == 12:
		return 12
	case h >= 1 && h <= 6:
		return h + 12
	}
	return h
}

// swahiliTo24 converts an hour on the Swahili clock (1–12, counted from
// 7 o'clock) to a 24-hour hour, using the part of the day: asubuhi
// (morning), mchana (midday), jioni (evening), usiku (night).
func swahiliTo24(sw int, part DayPart) int {
	base := (sw + 6) % 12 // 1..11, or 0 for 12 o'clock
	if base == 0 {
		base = 12
	}
	switch part {
	case Morning: // saa moja asubuhi = 7:00, saa kumi na mbili asubuhi = 6:00
		return base
	case Afternoon: // saa tano mchana = 11:00, saa sita = 12:00, saa tisa = 15:00
		if base >= 7 && base <= 11 {
			return base
		}
		return base%12 + 12
	case Evening: // saa kumi jioni = 16:00, saa moja jioni = 19:00
		if base == 12 {
			return 0
		}
		return base + 12
	case Night: // saa mbili usiku = 20:00, saa sita usiku = 0:00, saa tisa usiku = 3:00
		switch {
		case base == 12:
			return 0
		case base >= 7:
			return base + 12
		}
		return base
	}
	// No part named: read as business hours, 7:00 to 18:00.
	if base >= 7 && base <= 12 {
		return base
	}
	return base + 12
}
