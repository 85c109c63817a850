package templates

// RateLimitNotice is the one polite message a customer gets when a tenant's
// reply limit is reached, in lang (English unless lang is Swahili). It stands
// in for the reply the customer would have had.
func RateLimitNotice(lang Language) string {
	if lang == Swahili {
		return "Asante kwa ujumbe wako! Tunapokea jumbe nyingi kwa sasa, kwa hivyo majibu ya kiotomatiki yamesimama kwa muda mfupi. Tutakujibu hivi punde."
	}
	return "Thanks for your message! We are receiving a lot of messages right now, so automatic replies are paused for a moment. We will get back to you shortly."
}
