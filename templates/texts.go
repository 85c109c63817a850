package templates

// replyText is one built-in reply. when, if set, is used instead of plain
// when the customer gave a day or time; it may use {when} (an adverbial
// phrase: "tomorrow at 10 am", "on Monday", "kesho saa nne asubuhi") or
// {when_to} (the same as a noun phrase, for after "to": "Monday at 3 pm").
// Both texts may use {business}.
type replyText struct {
	plain, when string
}

// bilingual holds a reply in English and Swahili.
type bilingual struct{ en, sw replyText }

func (b bilingual) in(l Language) replyText {
	if l == Swahili {
		return b.sw
	}
	return b.en
}

// Generic business names used when a tenant has not set one.
const (
	defaultBusinessEn = "our business"
	defaultBusinessSw = "biashara yetu"
)

// builtinTexts returns the reply table for a template.
func builtinTexts(t Template) *[numIntents]bilingual {
	switch t {
	case Ecommerce:
		return &ecommerceTexts
	case Support:
		return &supportTexts
	}
	return &bookingTexts
}

var bookingTexts = [numIntents]bilingual{
	iGreeting: {
		en: replyText{plain: "Hello, and welcome to {business}! I can help you book, move or cancel an appointment, and tell you about our prices, opening hours and location. What can I do for you?"},
		sw: replyText{plain: "Habari, karibu {business}! Naweza kukusaidia kuweka, kubadilisha au kughairi miadi, na kukueleza kuhusu bei zetu, saa za kazi na mahali tulipo. Nikusaidie na nini?"},
	},
	iThanks: {
		en: replyText{plain: "You're welcome! Thank you for choosing {business}. Message us any time you need us."},
		sw: replyText{plain: "Karibu sana! Asante kwa kuchagua {business}. Tuandikie wakati wowote utakapotuhitaji."},
	},
	iHours: {
		en: replyText{plain: "Thanks for asking! A member of our team will confirm our opening hours shortly. If you'd like an appointment, just tell us the day and time that suit you."},
		sw: replyText{plain: "Asante kwa kuuliza! Mhudumu wetu atakuthibitishia saa zetu za kazi hivi punde. Kama ungependa miadi, tuambie tu siku na saa zinazokufaa."},
	},
	iLocation: {
		en: replyText{plain: "Thanks for asking! A member of our team will send you the address of {business} and directions shortly."},
		sw: replyText{plain: "Asante kwa kuuliza! Mhudumu wetu atakutumia anwani ya {business} na maelekezo ya kufika hivi punde."},
	},
	iHuman: {
		en: replyText{plain: "Of course. I've let the team at {business} know that you'd like to talk to a person, and someone will reply to you here as soon as possible."},
		sw: replyText{plain: "Sawa kabisa. Nimewajulisha wahudumu wa {business} kwamba ungependa kuongea na mtu, na mmoja wao atakujibu hapa haraka iwezekanavyo."},
	},
	iPrice: {
		en: replyText{plain: "Our prices depend on the service you choose. Tell us which service you're interested in and we'll send you the price."},
		sw: replyText{plain: "Bei zetu zinategemea huduma unayochagua. Tuambie ni huduma gani unayoitaka nasi tutakutumia bei yake."},
	},
	iBook: {
		en: replyText{
			plain: "We'd be glad to book you in at {business}. Which day and time would suit you? For example: \"tomorrow at 10 am\".",
			when:  "Thank you! We've noted your request for an appointment at {business} {when}. We'll confirm shortly that the time is free.",
		},
		sw: replyText{
			plain: "Karibu {business}! Tutafurahi kukuwekea miadi. Ni siku gani na saa ngapi zitakufaa? Kwa mfano: \"kesho saa nne asubuhi\".",
			when:  "Asante! Tumepokea ombi lako la miadi {when} kwa {business}. Tutakuthibitishia hivi punde kama muda huo uko wazi.",
		},
	},
	iReschedule: {
		en: replyText{
			plain: "No problem, we can move your appointment. Which new day and time would suit you?",
			when:  "No problem. We've noted that you'd like to move your appointment at {business} to {when_to}. We'll confirm the new time shortly.",
		},
		sw: replyText{
			plain: "Hakuna shida, tunaweza kubadilisha muda wa miadi yako. Ni siku gani na saa ngapi mpya zitakufaa?",
			when:  "Hakuna shida. Tumeandika kwamba ungependa kuhamisha miadi yako kwa {business} hadi {when_to}. Tutakuthibitishia muda mpya hivi punde.",
		},
	},
	iCancel: {
		en: replyText{
			plain: "Sorry you can't make it. We've noted that you'd like to cancel your appointment at {business}, and we'll confirm the cancellation shortly. You're welcome to book again any time.",
			when:  "Sorry you can't make it. We've noted that you'd like to cancel your appointment at {business} {when}, and we'll confirm the cancellation shortly. You're welcome to book again any time.",
		},
		sw: replyText{
			plain: "Pole kwa kushindwa kufika. Tumeandika ombi lako la kughairi miadi yako kwa {business}, na tutakuthibitishia hivi punde. Karibu tena kuweka miadi wakati wowote.",
			when:  "Pole kwa kushindwa kufika. Tumeandika ombi lako la kughairi miadi yako ya {when} kwa {business}, na tutakuthibitishia hivi punde. Karibu tena kuweka miadi wakati wowote.",
		},
	},
	iOrder: {
		en: replyText{
			plain: "At {business} we work by appointment rather than online orders. If you'd like to buy a product we use, tell us which one and we'll have it ready for your visit.",
			when:  "At {business} we work by appointment rather than online orders. We've noted that you'd like it {when}; tell us which product you want and we'll have it ready for your visit.",
		},
		sw: replyText{
			plain: "Kwa {business} tunahudumia kwa miadi badala ya oda za mtandaoni. Kama ungependa kununua bidhaa tunayotumia, tuambie ni ipi nasi tutakuwekea tayari kwa ziara yako.",
			when:  "Kwa {business} tunahudumia kwa miadi badala ya oda za mtandaoni. Tumeandika kwamba ungependa kuipata {when}; tuambie ni bidhaa gani unayotaka nasi tutakuwekea tayari kwa ziara yako.",
		},
	},
	iOrderStatus: {
		en: replyText{plain: "Let me check on that for you. Please send your name and the day of your appointment, and we'll confirm its status shortly."},
		sw: replyText{plain: "Ngoja tukuangalizie. Tafadhali tutumie jina lako na siku ya miadi yako, nasi tutakuthibitishia hali yake hivi punde."},
	},
	iDelivery: {
		en: replyText{plain: "{business} serves customers at our premises, so we don't usually deliver. If you'd like a home visit or something sent to you, ask here and our team will tell you what's possible."},
		sw: replyText{plain: "{business} huhudumia wateja hapa kwetu, kwa hivyo kwa kawaida hatufanyi usafirishaji. Kama ungependa tukutembelee nyumbani au tukutumie kitu, uliza hapa na timu yetu itakueleza kinachowezekana."},
	},
	iPayment: {
		en: replyText{plain: "You can pay for your service on the day of your visit. If you'd rather pay in advance, tell us and we'll send you the payment details."},
		sw: replyText{plain: "Unaweza kulipia huduma yako siku ya ziara yako. Ukipenda kulipa mapema, tuambie nasi tutakutumia maelezo ya malipo."},
	},
	iRefund: {
		en: replyText{plain: "We're sorry things didn't work out. Please tell us what happened and when you paid, and our team will look into a refund for you."},
		sw: replyText{plain: "Samahani kwa usumbufu. Tafadhali tueleze kilichotokea na lini ulilipa, na timu yetu itashughulikia suala la kurudishiwa pesa zako."},
	},
	iProblem: {
		en: replyText{plain: "Sorry to hear that. Please describe the problem and our team will help you as soon as possible."},
		sw: replyText{plain: "Pole kwa usumbufu huo. Tafadhali tueleze tatizo, na timu yetu itakusaidia haraka iwezekanavyo."},
	},
	iUnknown: {
		en: replyText{plain: "Sorry, I didn't quite understand that. I'm the automatic assistant for {business}, and I can help you:\n- book an appointment\n- move or cancel an appointment\n- find out our prices, opening hours and location\n- talk to a member of our team\nJust tell me what you need."},
		sw: replyText{plain: "Samahani, sijaelewa vizuri. Mimi ni msaidizi wa kiotomatiki wa {business}, na ninaweza kukusaidia:\n- kuweka miadi\n- kubadilisha au kughairi miadi\n- kujua bei, saa za kazi na mahali tulipo\n- kuongea na mhudumu\nTafadhali niambie unachohitaji."},
	},
}

var ecommerceTexts = [numIntents]bilingual{
	iGreeting: {
		en: replyText{plain: "Hello, and welcome to {business}! I can help you with prices, placing an order, delivery, payment, tracking an order and returns. What are you looking for today?"},
		sw: replyText{plain: "Habari, karibu {business}! Naweza kukusaidia kuhusu bei, kuagiza bidhaa, usafirishaji, malipo, kufuatilia oda na kurudisha bidhaa. Unatafuta nini leo?"},
	},
	iThanks: {
		en: replyText{plain: "You're welcome! Thank you for shopping with {business}."},
		sw: replyText{plain: "Karibu sana! Asante kwa kununua kutoka {business}."},
	},
	iHours: {
		en: replyText{plain: "Thanks for asking! Our team will confirm the opening hours of {business} shortly. You can send your order here at any time."},
		sw: replyText{plain: "Asante kwa kuuliza! Timu yetu itakuthibitishia saa za kazi za {business} hivi punde. Unaweza kutuma oda yako hapa wakati wowote."},
	},
	iLocation: {
		en: replyText{plain: "Thanks for asking! Our team will send you the address of {business} and directions shortly. We also deliver, so you can order right here."},
		sw: replyText{plain: "Asante kwa kuuliza! Timu yetu itakutumia anwani ya {business} na maelekezo hivi punde. Pia tunasafirisha bidhaa, kwa hivyo unaweza kuagiza hapa hapa."},
	},
	iHuman: {
		en: replyText{plain: "Of course. I've asked a member of the team at {business} to reply to you here as soon as possible."},
		sw: replyText{plain: "Sawa kabisa. Nimemwomba mhudumu wa {business} akujibu hapa haraka iwezekanavyo."},
	},
	iPrice: {
		en: replyText{plain: "Please tell us the name of the product (a photo helps too) and we'll send you its price and whether it's in stock."},
		sw: replyText{plain: "Tafadhali tuambie jina la bidhaa (au tutumie picha yake) nasi tutakutumia bei yake na kama ipo dukani."},
	},
	iBook: {
		en: replyText{
			plain: "At {business} you can order right here, no appointment needed. If you'd like us to set an item aside or agree a time to collect it, tell us the item and the day that suits you.",
			when:  "We've noted that you'd like to collect or receive your item {when}. Tell us which item it is and we'll set it aside for you at {business}.",
		},
		sw: replyText{
			plain: "Kwa {business} unaweza kuagiza hapa hapa, hakuna haja ya miadi. Kama ungependa tukuwekee bidhaa au tupange muda wa kuichukua, tuambie bidhaa na siku inayokufaa.",
			when:  "Tumeandika kwamba ungependa kuchukua au kupokea bidhaa yako {when}. Tuambie ni bidhaa gani nasi tutakuwekea kwa {business}.",
		},
	},
	iReschedule: {
		en: replyText{
			plain: "No problem. Send us your order details and the new day or time that suits you for delivery or collection, and we'll update it.",
			when:  "No problem. We've noted that you'd like your delivery or collection moved to {when_to}. Please send your order details and we'll confirm.",
		},
		sw: replyText{
			plain: "Hakuna shida. Tutumie maelezo ya oda yako na siku au saa mpya inayokufaa kwa kupokea au kuchukua mzigo, nasi tutabadilisha.",
			when:  "Hakuna shida. Tumeandika kwamba ungependa muda wa kupokea au kuchukua mzigo wako uhamishwe hadi {when_to}. Tafadhali tutumie maelezo ya oda yako ili tukuthibitishie.",
		},
	},
	iCancel: {
		en: replyText{plain: "Sorry to see you change your mind. Please send your order number or details and we'll cancel the order and confirm with you. If you've already paid, we'll explain how you get your money back."},
		sw: replyText{plain: "Samahani kwamba umebadili nia. Tafadhali tutumie namba au maelezo ya oda yako nasi tutaighairi na kukuthibitishia. Kama tayari umelipa, tutakueleza jinsi utakavyorudishiwa pesa zako."},
	},
	iOrder: {
		en: replyText{
			plain: "Great choice! To order from {business}, please send the item (name or photo), the size or colour, how many you'd like, and your delivery location. We'll confirm the total and how to pay.",
			when:  "Great choice! We've noted that you'd like it {when}. To order from {business}, please send the item, the size or colour, how many you'd like, and your delivery location, and we'll confirm the total and how to pay.",
		},
		sw: replyText{
			plain: "Chaguo zuri! Ili kuagiza kutoka {business}, tafadhali tutumie bidhaa (jina au picha), saizi au rangi, idadi, na mahali pa kupelekewa. Tutakuthibitishia jumla ya bei na jinsi ya kulipa.",
			when:  "Chaguo zuri! Tumeandika kwamba ungependa kuipata {when}. Ili kuagiza kutoka {business}, tafadhali tutumie bidhaa, saizi au rangi, idadi, na mahali pa kupelekewa, nasi tutakuthibitishia jumla ya bei na jinsi ya kulipa.",
		},
	},
	iOrderStatus: {
		en: replyText{plain: "Let me check on your order. Please send your order number, or the name and phone number you ordered with, and we'll tell you where it is."},
		sw: replyText{plain: "Ngoja tufuatilie oda yako. Tafadhali tutumie namba ya oda, au jina na namba ya simu uliyotumia kuagiza, nasi tutakueleza iko wapi."},
	},
	iDelivery: {
		en: replyText{plain: "Yes, {business} delivers. Tell us your location and we'll confirm the delivery fee and how long it takes to reach you."},
		sw: replyText{plain: "Ndiyo, {business} hufanya usafirishaji. Tuambie uko wapi nasi tutakuthibitishia gharama ya usafirishaji na muda wa kukufikia."},
	},
	iPayment: {
		en: replyText{plain: "You can pay by mobile money (such as M-Pesa) or as agreed when we confirm your order. If you've already paid, please send the transaction message or code so we can confirm it."},
		sw: replyText{plain: "Unaweza kulipa kwa pesa ya simu (kama M-Pesa) au kama tutakavyokubaliana tukithibitisha oda yako. Kama tayari umelipa, tafadhali tutumie ujumbe au namba ya muamala ili tuuthibitishe."},
	},
	iRefund: {
		en: replyText{plain: "Sorry about that. Please send your order details and a short description of what went wrong (with a photo if it's about an item), and we'll arrange a return, an exchange or your refund."},
		sw: replyText{plain: "Samahani kwa usumbufu huo. Tafadhali tutumie maelezo ya oda yako na maelezo mafupi ya kilichotokea (pamoja na picha kama ni kuhusu bidhaa), nasi tutapanga kuirudisha, kuibadilisha au kukurudishia pesa zako."},
	},
	iProblem: {
		en: replyText{plain: "Sorry about that. Please tell us what went wrong (a photo helps) and your order details, and we'll sort it out."},
		sw: replyText{plain: "Pole kwa usumbufu. Tafadhali tueleze kilichoharibika (picha itasaidia) na maelezo ya oda yako, nasi tutalishughulikia."},
	},
	iUnknown: {
		en: replyText{plain: "Sorry, I didn't quite understand that. I'm the automatic assistant for {business}, and I can help you:\n- with prices and placing an order\n- with delivery and payment\n- track an order\n- return or exchange an item\n- talk to a member of our team\nJust tell me what you need."},
		sw: replyText{plain: "Samahani, sijaelewa vizuri. Mimi ni msaidizi wa kiotomatiki wa {business}, na ninaweza kukusaidia:\n- kujua bei na kuagiza bidhaa\n- kuhusu usafirishaji na malipo\n- kufuatilia oda\n- kurudisha au kubadilisha bidhaa\n- kuongea na mhudumu\nTafadhali niambie unachohitaji."},
	},
}

var supportTexts = [numIntents]bilingual{
	iGreeting: {
		en: replyText{plain: "Hello, and welcome to {business} support! Please tell us what you need help with and we'll do our best to sort it out."},
		sw: replyText{plain: "Habari, karibu kwenye huduma kwa wateja ya {business}! Tafadhali tueleze unahitaji msaada gani, nasi tutajitahidi kukusaidia."},
	},
	iThanks: {
		en: replyText{plain: "You're welcome! We're glad we could help. Contact {business} support any time."},
		sw: replyText{plain: "Karibu sana! Tunafurahi kukusaidia. Wasiliana na huduma kwa wateja ya {business} wakati wowote."},
	},
	iHours: {
		en: replyText{plain: "Thanks for asking! Our team will confirm when {business} support is available shortly. You can leave your question here at any time and we'll pick it up."},
		sw: replyText{plain: "Asante kwa kuuliza! Timu yetu itakuthibitishia saa ambazo huduma kwa wateja ya {business} inapatikana hivi punde. Unaweza kuacha swali lako hapa wakati wowote nasi tutalishughulikia."},
	},
	iLocation: {
		en: replyText{plain: "Thanks for asking! Our team will send you the address of the {business} office shortly. Most problems can also be solved right here in this chat."},
		sw: replyText{plain: "Asante kwa kuuliza! Timu yetu itakutumia anwani ya ofisi ya {business} hivi punde. Matatizo mengi yanaweza pia kutatuliwa hapa hapa kwenye mazungumzo haya."},
	},
	iHuman: {
		en: replyText{plain: "Of course. I've asked a support agent at {business} to get back to you here as soon as possible. If you'd like a call, please send the best number and time to reach you."},
		sw: replyText{plain: "Sawa kabisa. Nimemwomba mhudumu wa {business} akujibu hapa haraka iwezekanavyo. Kama ungependa kupigiwa simu, tafadhali tutumie namba na muda unaokufaa."},
	},
	iPrice: {
		en: replyText{plain: "Our prices depend on the plan or service. Tell us which one you're asking about and we'll send you the current price."},
		sw: replyText{plain: "Bei zetu zinategemea kifurushi au huduma. Tuambie ni ipi unayouliza nasi tutakutumia bei ya sasa."},
	},
	iBook: {
		en: replyText{
			plain: "We can arrange a call back or a visit from a technician. Which day and time would suit you?",
			when:  "Thank you! We've noted that you'd like a call back or a visit from {business} {when}. We'll confirm shortly.",
		},
		sw: replyText{
			plain: "Tunaweza kupanga kukupigia simu au fundi akutembelee. Ni siku gani na saa ngapi zitakufaa?",
			when:  "Asante! Tumeandika kwamba ungependa kupigiwa simu au kutembelewa na {business} {when}. Tutakuthibitishia hivi punde.",
		},
	},
	iReschedule: {
		en: replyText{
			plain: "No problem. Tell us the new day and time that suit you for your call or visit, and we'll confirm.",
			when:  "No problem. We've noted that you'd like your call or visit moved to {when_to}. We'll confirm shortly.",
		},
		sw: replyText{
			plain: "Hakuna shida. Tuambie siku na saa mpya zinazokufaa kwa simu au ziara yako, nasi tutakuthibitishia.",
			when:  "Hakuna shida. Tumeandika kwamba ungependa simu au ziara yako ihamishwe hadi {when_to}. Tutakuthibitishia hivi punde.",
		},
	},
	iCancel: {
		en: replyText{plain: "Understood. Please tell us exactly what you'd like to cancel (a service, a visit or a request), and we'll confirm once it's done."},
		sw: replyText{plain: "Tumeelewa. Tafadhali tueleze hasa unachotaka kughairi (huduma, ziara au ombi), nasi tutakuthibitishia likishafanyika."},
	},
	iOrder: {
		en: replyText{
			plain: "To request a new service or product from {business}, tell us what you need and where you are, and our team will get back to you with the next steps.",
			when:  "We've noted that you'd like it {when}. To request a new service or product from {business}, tell us what you need and where you are, and our team will get back to you with the next steps.",
		},
		sw: replyText{
			plain: "Ili kuomba huduma au bidhaa mpya kutoka {business}, tuambie unachohitaji na mahali ulipo, na timu yetu itakujulisha hatua zinazofuata.",
			when:  "Tumeandika kwamba ungependa kuipata {when}. Ili kuomba huduma au bidhaa mpya kutoka {business}, tuambie unachohitaji na mahali ulipo, na timu yetu itakujulisha hatua zinazofuata.",
		},
	},
	iOrderStatus: {
		en: replyText{plain: "Let me check on that. Please send your ticket or reference number (or the phone number you contacted us from) and we'll tell you the latest on your request."},
		sw: replyText{plain: "Ngoja tufuatilie. Tafadhali tutumie namba ya tiketi au kumbukumbu (au namba ya simu uliyotumia kuwasiliana nasi) nasi tutakueleza ombi lako limefikia wapi."},
	},
	iDelivery: {
		en: replyText{plain: "For deliveries and installations, tell us your location and what you're expecting, and our team will confirm the arrangements and timing."},
		sw: replyText{plain: "Kuhusu usafirishaji na ufungaji, tuambie uko wapi na unachosubiri, na timu yetu itakuthibitishia mipango na muda."},
	},
	iPayment: {
		en: replyText{plain: "You can pay using the options shown on your account or bill. If you've already paid and it isn't showing, send us the transaction message or code and we'll check it."},
		sw: replyText{plain: "Unaweza kulipa kwa njia zilizoonyeshwa kwenye akaunti au bili yako. Kama umeshalipa na malipo hayaonekani, tutumie ujumbe au namba ya muamala nasi tutaukagua."},
	},
	iRefund: {
		en: replyText{plain: "Sorry about that. Please send the date, the amount and the transaction message or code, and we'll look into it and return your money if you were charged in error."},
		sw: replyText{plain: "Samahani kwa hilo. Tafadhali tutumie tarehe, kiasi na ujumbe au namba ya muamala, nasi tutalichunguza na kukurudishia pesa zako kama ulikatwa kimakosa."},
	},
	iProblem: {
		en: replyText{plain: "Sorry you're having trouble. Please describe the problem: what you were doing, any error message you saw, and since when it has been happening. We'll help you fix it as quickly as possible."},
		sw: replyText{plain: "Pole kwa usumbufu. Tafadhali tueleze tatizo: ulikuwa ukifanya nini, ujumbe wowote wa hitilafu uliouona, na tangu lini limekuwa likitokea. Tutakusaidia kulitatua haraka iwezekanavyo."},
	},
	iUnknown: {
		en: replyText{plain: "Sorry, I didn't quite understand that. I'm the automatic assistant for {business} support, and I can help you:\n- report a problem\n- check on a ticket or request\n- with payments and refunds\n- talk to a support agent\nJust tell me what you need."},
		sw: replyText{plain: "Samahani, sijaelewa vizuri. Mimi ni msaidizi wa kiotomatiki wa huduma kwa wateja ya {business}, na ninaweza kukusaidia:\n- kuripoti tatizo\n- kufuatilia tiketi au ombi\n- kuhusu malipo na kurudishiwa pesa\n- kuongea na mhudumu\nTafadhali niambie unachohitaji."},
	},
}
