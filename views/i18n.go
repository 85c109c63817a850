package views

import "sort"

// The tenant portal speaks English by default and Swahili when the
// tenant's language setting is Swahili. Every portal text has a key here
// with both languages; T looks it up. A missing key shows itself, so it
// is noticed (and TestTranslations fails).

// Portal languages.
const (
	LangEnglish = "en"
	LangSwahili = "sw"
)

// texts maps key → {English, Swahili}.
var texts = map[string][2]string{
	// Navigation and frame.
	"nav.status":        {"Status", "Hali"},
	"nav.link":          {"Link phone", "Unganisha simu"},
	"nav.conversations": {"Conversations", "Mazungumzo"},
	"nav.settings":      {"Settings", "Mipangilio"},
	"nav.try":           {"Try it", "Jaribu"},
	"nav.main":          {"Portal", "Lango"},
	"signout":           {"Sign out", "Toka"},
	"skip":              {"Skip to content", "Ruka hadi maudhui"},

	// Sign-in.
	"login.title":     {"Sign in to your portal", "Ingia kwenye lango lako"},
	"login.email":     {"Email", "Barua pepe"},
	"login.password":  {"Password", "Nenosiri"},
	"login.submit":    {"Sign in", "Ingia"},
	"login.wrong":     {"Wrong email or password.", "Barua pepe au nenosiri si sahihi."},
	"login.empty":     {"Enter your email and password.", "Weka barua pepe na nenosiri lako."},
	"login.throttled": {"Too many failed sign-ins. Try again later.", "Majaribio mengi yameshindwa. Jaribu tena baadaye."},
	"login.signedout": {"You have been signed out.", "Umetoka."},
	"login.admin":     {"Operators sign in at the admin dashboard.", "Waendeshaji huingia kwenye dashibodi ya msimamizi."},
	"login.forgot":    {"Forgot your password? Ask the operator for a new invite link.", "Umesahau nenosiri? Muombe mwendeshaji kiungo kipya cha mwaliko."},

	// Status.
	"status.title":           {"Status", "Hali"},
	"status.state":           {"WhatsApp", "WhatsApp"},
	"status.number":          {"Linked number", "Namba iliyounganishwa"},
	"status.lastseen":        {"Last seen", "Ilionekana mwisho"},
	"status.in":              {"Messages today", "Ujumbe leo"},
	"status.out":             {"Replies today", "Majibu leo"},
	"status.suppressed":      {"Replies held back by the rate limit today", "Majibu yaliyozuiwa na kikomo leo"},
	"status.never":           {"never", "bado"},
	"status.none":            {"not linked yet", "bado haijaunganishwa"},
	"status.todo":            {"What to do", "Ufanye nini"},
	"status.connected":       {"Connected: your bot is answering customers.", "Imeunganishwa: boti yako inajibu wateja."},
	"status.connected.do":    {"Nothing to do. Watch your chats under Conversations.", "Hakuna cha kufanya. Fuatilia mazungumzo yako chini ya Mazungumzo."},
	"status.qr":              {"Waiting for you to scan the QR code.", "Inasubiri uchanganue msimbo wa QR."},
	"status.qr.do":           {"Open Link phone and scan the code with WhatsApp on the business phone.", "Fungua Unganisha simu na uchanganue msimbo kwa WhatsApp kwenye simu ya biashara."},
	"status.code":            {"Waiting for you to enter the pairing code.", "Inasubiri uweke msimbo wa kuunganisha."},
	"status.code.do":         {"Open Link phone and type the code into WhatsApp on the business phone.", "Fungua Unganisha simu na uandike msimbo kwenye WhatsApp ya simu ya biashara."},
	"status.disconnected":    {"Not connected: the bot cannot answer right now.", "Haijaunganishwa: boti haiwezi kujibu sasa."},
	"status.disconnected.do": {"Make sure the business phone is on and has internet. If this lasts, open Link phone and link again.", "Hakikisha simu ya biashara imewashwa na ina intaneti. Ikiendelea, fungua Unganisha simu na uunganishe tena."},
	"status.loggedout":       {"Logged out: WhatsApp unlinked this service.", "Imetolewa: WhatsApp imeondoa huduma hii."},
	"status.loggedout.do":    {"Open Link phone and link the business phone again.", "Fungua Unganisha simu na uunganishe simu ya biashara tena."},
	"status.stopped":         {"The bot is switched off.", "Boti imezimwa."},
	"status.stopped.do":      {"Ask the operator to start it again.", "Muombe mwendeshaji aiwashe tena."},
	"status.error":           {"The bot stopped after an error.", "Boti imesimama kwa sababu ya hitilafu."},
	"status.error.do":        {"The operator has been told. If it lasts, contact them.", "Mwendeshaji amearifiwa. Ikiendelea, wasiliana naye."},
	"status.starting":        {"The bot is starting.", "Boti inaanza."},
	"status.starting.do":     {"Wait a few seconds; this page updates itself.", "Subiri sekunde chache; ukurasa huu unajisasisha."},
	"status.suppressed.hint": {"Replies held back protect your number from being blocked for sending too much.", "Majibu yanayozuiwa hulinda namba yako isizuiwe kwa kutuma ujumbe mwingi."},

	// Link.
	"link.title":       {"Link your WhatsApp", "Unganisha WhatsApp yako"},
	"link.linked":      {"Your phone is linked. Nothing to do here.", "Simu yako imeunganishwa. Hakuna cha kufanya hapa."},
	"link.relink":      {"To link a different phone, first unlink this one in WhatsApp (Linked devices → Log out); a new code appears here.", "Kuunganisha simu nyingine, kwanza ondoa hii kwenye WhatsApp (Vifaa vilivyounganishwa → Toka); msimbo mpya utaonekana hapa."},
	"link.step1":       {"Open WhatsApp on the business phone.", "Fungua WhatsApp kwenye simu ya biashara."},
	"link.step2":       {"Tap Menu (⋮) or Settings, then Linked devices.", "Gusa Menyu (⋮) au Mipangilio, kisha Vifaa vilivyounganishwa."},
	"link.step3":       {"Tap Link a device and point the phone at the code below.", "Gusa Unganisha kifaa na uelekeze simu kwenye msimbo ulio hapa chini."},
	"link.step4":       {"Keep this page open: the code changes every few seconds and updates by itself.", "Acha ukurasa huu wazi: msimbo hubadilika kila sekunde chache na kujisasisha."},
	"link.waiting":     {"Waiting for a code…", "Inasubiri msimbo…"},
	"link.qralt":       {"QR code to scan with WhatsApp", "Msimbo wa QR wa kuchanganua kwa WhatsApp"},
	"link.notrunning":  {"The bot is not running, so no code can be shown. Ask the operator to start it.", "Boti haiendeshwi, kwa hiyo msimbo hauwezi kuonyeshwa. Muombe mwendeshaji aiwashe."},
	"link.pair":        {"Cannot scan? Use a pairing code instead", "Huwezi kuchanganua? Tumia msimbo wa kuunganisha"},
	"link.pair.phone":  {"Business phone number", "Namba ya simu ya biashara"},
	"link.pair.submit": {"Get pairing code", "Pata msimbo"},
	"link.pair.steps":  {"In WhatsApp: Linked devices → Link a device → Link with phone number instead, then type this code:", "Kwenye WhatsApp: Vifaa vilivyounganishwa → Unganisha kifaa → Unganisha kwa namba ya simu badala yake, kisha andika msimbo huu:"},
	"link.pair.bad":    {"Enter the business number with its country code, e.g. +255712345678.", "Weka namba ya biashara pamoja na msimbo wa nchi, mf. +255712345678."},
	"link.pair.failed": {"No pairing code: the phone may already be linked, or WhatsApp did not answer. Try again.", "Hakuna msimbo: simu huenda imeshaunganishwa, au WhatsApp haikujibu. Jaribu tena."},
	"link.sim":         {"Demo mode: simulate scanning the code", "Hali ya majaribio: iga kuchanganua msimbo"},
	"link.sim.button":  {"Simulate scan", "Iga kuchanganua"},

	// Try it.
	"try.title":   {"Try your bot", "Jaribu boti yako"},
	"try.intro":   {"Type a message as a customer would. Nothing is sent on WhatsApp and nothing is logged.", "Andika ujumbe kama mteja. Hakuna kinachotumwa kwenye WhatsApp wala kuhifadhiwa."},
	"try.message": {"Message", "Ujumbe"},
	"try.send":    {"Send", "Tuma"},
	"try.you":     {"You", "Wewe"},
	"try.bot":     {"Bot", "Boti"},
	"try.empty":   {"Type a message first.", "Andika ujumbe kwanza."},
	"try.none":    {"The bot would not answer this message.", "Boti isingejibu ujumbe huu."},
	"try.intent":  {"Understood as", "Imeeleweka kama"},

	// Invite.
	"invite.title":    {"Welcome to Flow HQ", "Karibu Flow HQ"},
	"invite.intro":    {"Choose a password for your account. You will use it with your email to sign in.", "Chagua nenosiri la akaunti yako. Utalitumia pamoja na barua pepe yako kuingia."},
	"invite.password": {"New password (at least 10 characters)", "Nenosiri jipya (angalau herufi 10)"},
	"invite.confirm":  {"Repeat the password", "Rudia nenosiri"},
	"invite.submit":   {"Set password and sign in", "Weka nenosiri na uingie"},
	"invite.short":    {"Use at least 10 characters.", "Tumia angalau herufi 10."},
	"invite.long":     {"At most 72 bytes.", "Isizidi baiti 72."},
	"invite.mismatch": {"The two passwords differ.", "Manenosiri mawili hayafanani."},
	"invite.gone":     {"This invite link has expired or was already used. Ask the operator for a new one.", "Kiungo hiki cha mwaliko kimeisha muda au kimeshatumika. Muombe mwendeshaji kingine."},
}

// T returns the text of key in lang ("sw" for Swahili; anything else is
// English). An unknown key returns the key itself.
func T(lang, key string) string {
	t, ok := texts[key]
	if !ok {
		return key
	}
	if lang == LangSwahili {
		return t[1]
	}
	return t[0]
}

// TextKeys lists every text key, sorted (for tests).
func TextKeys() []string {
	keys := make([]string, 0, len(texts))
	for k := range texts {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}
