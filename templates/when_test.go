package templates

import (
	"strings"
	"testing"
)

func TestExtractWhen(t *testing.T) {
	tests := []struct {
		text string
		want When
	}{
		// The Swahili clock counts from 6 in the morning and 6 in the evening.
		{"saa moja asubuhi", When{Time: "07:00"}},
		{"saa mbili asubuhi", When{Time: "08:00"}},
		{"Naomba nafasi kesho saa nne asubuhi", When{Day: Tomorrow, Time: "10:00"}},
		{"saa tano asubuhi", When{Time: "11:00"}},
		{"saa sita mchana", When{Time: "12:00"}},
		{"saa saba mchana", When{Time: "13:00"}},
		{"saa nane mchana", When{Time: "14:00"}},
		{"saa tisa mchana", When{Time: "15:00"}},
		{"saa kumi jioni", When{Time: "16:00"}},
		{"saa kumi na moja jioni", When{Time: "17:00"}},
		{"saa kumi na mbili jioni", When{Time: "18:00"}},
		{"saa kumi na mbili asubuhi", When{Time: "06:00"}},
		{"saa kumi na moja alfajiri", When{Time: "05:00"}},
		{"saa moja jioni", When{Time: "19:00"}},
		{"saa mbili usiku", When{Time: "20:00"}},
		{"saa tatu usiku", When{Time: "21:00"}},
		{"saa sita usiku", When{Time: "00:00"}},
		{"saa tisa usiku", When{Time: "03:00"}},
		{"saa 4 asubuhi", When{Time: "10:00"}},
		{"saa 10 jioni", When{Time: "16:00"}},
		{"saa tatu na nusu", When{Time: "09:30"}},
		{"saa nne na robo asubuhi", When{Time: "10:15"}},
		{"saa tano kasorobo", When{Time: "10:45"}},
		{"saa nne kasoro robo asubuhi", When{Time: "09:45"}},
		{"saa mbili na dakika kumi usiku", When{Time: "20:10"}},
		{"saa 14:30", When{Time: "14:30"}},
		{"saa 10am", When{Time: "10:00"}},
		{"Nitakuja saa nane", When{Time: "14:00"}}, // no part named: business hours
		{"Mnafungua saa ngapi?", When{}},
		// English clock times.
		{"tomorrow at 10am", When{Day: Tomorrow, Time: "10:00"}},
		{"at 10 a.m. please", When{Time: "10:00"}},
		{"10:30", When{Time: "10:30"}},
		{"can I come at 10.30", When{Time: "10:30"}},
		{"3 pm", When{Time: "15:00"}},
		{"3PM", When{Time: "15:00"}},
		{"12pm", When{Time: "12:00"}},
		{"12am", When{Time: "00:00"}},
		{"at noon", When{Time: "12:00"}},
		{"midnight", When{Time: "00:00"}},
		{"at 3", When{Time: "15:00"}},
		{"at 9", When{Time: "09:00"}},
		{"at 7 in the evening", When{Time: "19:00"}},
		{"around 5 tomorrow morning", When{Day: Tomorrow, Time: "05:00"}},
		{"4 o'clock", When{Time: "16:00"}},
		{"15:45", When{Time: "15:45"}},
		{"half past 2", When{Time: "14:30"}},
		{"quarter to 4", When{Time: "15:45"}},
		{"quarter past 10 am", When{Time: "10:15"}},
		{"tonight at 8", When{Day: Today, Time: "20:00"}},
		// Days.
		{"today", When{Day: Today}},
		{"leo", When{Day: Today}},
		{"tomorrow", When{Day: Tomorrow}},
		{"tmrw", When{Day: Tomorrow}},
		{"kesho", When{Day: Tomorrow}},
		{"keshokutwa", When{Day: DayAfterTomorrow}},
		{"kesho kutwa", When{Day: DayAfterTomorrow}},
		{"the day after tomorrow", When{Day: DayAfterTomorrow}},
		{"Jumatatu", When{Day: Monday}},
		{"Jumanne", When{Day: Tuesday}},
		{"Jumatano", When{Day: Wednesday}},
		{"Alhamisi", When{Day: Thursday}},
		{"Ijumaa", When{Day: Friday}},
		{"Jumamosi", When{Day: Saturday}},
		{"Jumapili", When{Day: Sunday}},
		{"Monday", When{Day: Monday}},
		{"tuesday", When{Day: Tuesday}},
		{"WEDNESDAY", When{Day: Wednesday}},
		{"Thursday", When{Day: Thursday}},
		{"friday", When{Day: Friday}},
		{"Saturday", When{Day: Saturday}},
		{"Sunday", When{Day: Sunday}},
		{"on sat", When{Day: Saturday}},
		{"I sat down", When{}},
		{"move it from Monday to Friday", When{Day: Friday}},
		{"Nipangie siku ya Alhamisi jioni", When{Day: Thursday, Part: Evening}},
		{"this saturday afternoon", When{Day: Saturday, Part: Afternoon}},
		{"Good morning", When{}},
		{"Habari za asubuhi", When{}},
		// Dates.
		{"12/3", When{Month: 3, DayOfMonth: 12}},
		{"on 12/03/2026", When{Month: 3, DayOfMonth: 12, Year: 2026}},
		{"12-3-26", When{Month: 3, DayOfMonth: 12, Year: 2026}},
		{"3/25", When{Month: 3, DayOfMonth: 25}},
		{"March 12", When{Month: 3, DayOfMonth: 12}},
		{"12 March", When{Month: 3, DayOfMonth: 12}},
		{"12th of March", When{Month: 3, DayOfMonth: 12}},
		{"on the 12th", When{DayOfMonth: 12}},
		{"tarehe 12", When{DayOfMonth: 12}},
		{"tarehe 12 Machi", When{Month: 3, DayOfMonth: 12}},
		{"tarehe kumi na mbili mwezi wa tatu", When{Month: 3, DayOfMonth: 12}},
		{"tarehe 5/6", When{Month: 6, DayOfMonth: 5}},
		{"Friday 12 March at 3pm", When{Day: Friday, Month: 3, DayOfMonth: 12, Time: "15:00"}},
		{"May I book?", When{}},
		{"size 42", When{}},
		{"call 0712-345-678", When{}},
	}
	for _, tt := range tests {
		t.Run(tt.text, func(t *testing.T) {
			got := extractWhen(tokenize(tt.text, nil))
			if got != tt.want {
				t.Errorf("extractWhen(%q) = %+v, want %+v", tt.text, got, tt.want)
			}
		})
	}
}

func TestFormatWhen(t *testing.T) {
	tests := []struct {
		w      When
		en, sw string
	}{
		{When{Day: Tomorrow, Time: "10:00"}, "tomorrow at 10 am", "kesho saa nne asubuhi"},
		{When{Day: Monday, Time: "15:30"}, "on Monday at 3:30 pm", "Jumatatu saa tisa na nusu mchana"},
		{When{Time: "20:00"}, "at 8 pm", "saa mbili usiku"},
		{When{Time: "12:00"}, "at noon", "saa sita mchana"},
		{When{Time: "09:45"}, "at 9:45 am", "saa nne kasorobo asubuhi"},
		{When{Time: "18:00"}, "at 6 pm", "saa kumi na mbili jioni"},
		{When{Time: "07:15"}, "at 7:15 am", "saa moja na robo asubuhi"},
		{When{Day: Today, Part: Evening}, "this evening", "leo jioni"},
		{When{Day: Today, Part: Night}, "tonight", "leo usiku"},
		{When{Day: Thursday, Part: Evening}, "on Thursday evening", "Alhamisi jioni"},
		{When{Day: DayAfterTomorrow}, "the day after tomorrow", "keshokutwa"},
		{When{Month: 3, DayOfMonth: 12}, "on 12 March", "tarehe 12 Machi"},
		{When{DayOfMonth: 22}, "on the 22nd", "tarehe 22"},
		{When{Part: Morning}, "in the morning", "asubuhi"},
		{When{}, "", ""},
	}
	for _, tt := range tests {
		if got := FormatWhen(tt.w, English); got != tt.en {
			t.Errorf("FormatWhen(%+v, en) = %q, want %q", tt.w, got, tt.en)
		}
		if got := FormatWhen(tt.w, Swahili); got != tt.sw {
			t.Errorf("FormatWhen(%+v, sw) = %q, want %q", tt.w, got, tt.sw)
		}
	}
}

// TestSwahiliClockRoundTrip checks that every hour written on the Swahili
// clock reads back as the same time.
func TestSwahiliClockRoundTrip(t *testing.T) {
	for h := 0; h < 24; h++ {
		for _, m := range []int{0, 15, 30, 45} {
			w := When{Time: twoDigits(h) + ":" + twoDigits(m)}
			phrase := FormatWhen(w, Swahili)
			got := extractWhen(tokenize(phrase, nil))
			if got.Time != w.Time {
				t.Errorf("%s → %q → %s", w.Time, phrase, got.Time)
			}
		}
	}
}

func twoDigits(n int) string {
	return string([]byte{byte('0' + n/10), byte('0' + n%10)})
}

// TestReplyEchoesWhen checks that booking, rescheduling and ordering
// replies repeat the day and time back, in the reply's language.
func TestReplyEchoesWhen(t *testing.T) {
	tests := []struct {
		tmpl   Template
		text   string
		intent Intent
		lang   Language
		echo   string
	}{
		{Booking, "Naomba nafasi kesho saa nne asubuhi", Book, Swahili, "kesho saa nne asubuhi"},
		{Booking, "Can I book for tomorrow at 10am?", Book, English, "tomorrow at 10 am"},
		{Booking, "I need to move my appointment to Friday", Reschedule, English, "to Friday"},
		{Booking, "Tunaweza kusogeza miadi hadi Ijumaa saa nane mchana?", Reschedule, Swahili, "hadi Ijumaa saa nane mchana"},
		{Booking, "Please cancel tomorrow's appointment", Cancel, English, "tomorrow"},
		{Ecommerce, "I want to order two bags for Saturday", Order, English, "on Saturday"},
		{Ecommerce, "Nataka kuagiza viatu viwili kesho", Order, Swahili, "kesho"},
		{Booking, "Book me at 3 pm", Book, English, "at 3 pm"},
		{Booking, "Nataka miadi tarehe 12 Machi", Book, Swahili, "tarehe 12 Machi"},
	}
	for _, tt := range tests {
		r := Reply(tt.text, Config{Template: tt.tmpl, Business: "Salon Neema"})
		if r.Intent != tt.intent || r.Language != tt.lang {
			t.Errorf("%q: got %s/%s, want %s/%s", tt.text, r.Intent, r.Language, tt.intent, tt.lang)
			continue
		}
		if !strings.Contains(r.Text, tt.echo) {
			t.Errorf("%q: reply %q does not repeat %q", tt.text, r.Text, tt.echo)
		}
		if r.When.IsZero() {
			t.Errorf("%q: Result.When is empty", tt.text)
		}
	}
}
