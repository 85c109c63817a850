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

	"state.connected":    {"Connected", "Imeunganishwa"},
	"state.qr":           {"Waiting for scan", "Inasubiri kuchanganuliwa"},
	"state.code":         {"Waiting for code", "Inasubiri msimbo"},
	"state.disconnected": {"Not connected", "Haijaunganishwa"},
	"state.loggedout":    {"Logged out", "Imetolewa"},
	"state.stopped":      {"Switched off", "Imezimwa"},
	"state.error":        {"Error", "Hitilafu"},
	"state.starting":     {"Starting", "Inaanza"},
	"status.gotolink":    {"Open Link phone", "Fungua Unganisha simu"},
	"status.today":       {"Today", "Leo"},
	"ago.now":            {"just now", "sasa hivi"},
	"ago.s":              {"%d s ago", "sekunde %d zilizopita"},
	"ago.m":              {"%d min ago", "dakika %d zilizopita"},
	"ago.h":              {"%d h ago", "saa %d zilizopita"},
	"ago.d":              {"%d days ago", "siku %d zilizopita"},
	"link.again":         {"Show a new code", "Onyesha msimbo mpya"},
	"link.again.hint":    {"WhatsApp logged this service out. Press the button to get a fresh QR code, then scan it as below.", "WhatsApp imeondoa huduma hii. Bonyeza kitufe kupata msimbo mpya wa QR, kisha uchanganue kama ilivyoelezwa."},
	"link.again.linked":  {"The phone is linked; unlink it in WhatsApp first.", "Simu imeunganishwa; iondoe kwenye WhatsApp kwanza."},
	"link.as":            {"Linked number", "Namba iliyounganishwa"},
	"link.connecting":    {"Connecting to WhatsApp…", "Inaunganisha na WhatsApp…"},
	"link.expires":       {"This code changes soon; the new one appears here by itself.", "Msimbo huu utabadilika hivi karibuni; mpya utaonekana hapa wenyewe."},
	"link.sim.none":      {"No QR code is showing right now.", "Hakuna msimbo wa QR unaoonyeshwa sasa."},

	// Try it.
	"try.title":       {"Try your bot", "Jaribu boti yako"},
	"try.intro":       {"Type a message as a customer would. Nothing is sent on WhatsApp and nothing is logged.", "Andika ujumbe kama mteja. Hakuna kinachotumwa kwenye WhatsApp wala kuhifadhiwa."},
	"try.message":     {"Message", "Ujumbe"},
	"try.send":        {"Send", "Tuma"},
	"try.you":         {"You", "Wewe"},
	"try.bot":         {"Bot", "Boti"},
	"try.empty":       {"Type a message first.", "Andika ujumbe kwanza."},
	"try.none":        {"The bot would not answer this message.", "Boti isingejibu ujumbe huu."},
	"try.intent":      {"Understood as", "Imeeleweka kama"},
	"try.lang":        {"reply in", "jibu kwa"},
	"try.when":        {"time understood", "muda ulioeleweka"},
	"try.long":        {"The message is too long.", "Ujumbe ni mrefu mno."},
	"try.hint":        {"Change your replies under Settings and try again here.", "Badilisha majibu yako chini ya Mipangilio kisha ujaribu tena hapa."},
	"try.placeholder": {"e.g. Habari, nataka kuweka miadi kesho saa nne", "mf. Habari, nataka kuweka miadi kesho saa nne"},

	// Public pages and the setup request form.
	"public.title":        {"Flow HQ: WhatsApp replies for your business", "Flow HQ: majibu ya WhatsApp kwa biashara yako"},
	"public.lead":         {"Flow HQ answers your customers on WhatsApp, day and night: bookings, orders and questions, in English or Swahili.", "Flow HQ inawajibu wateja wako kwenye WhatsApp, mchana na usiku: miadi, oda na maswali, kwa Kiingereza au Kiswahili."},
	"public.how":          {"Ask for a setup below. Once we approve it, you get a link to your own portal: link your phone, watch conversations, take over a chat yourself whenever you want.", "Omba kuunganishwa hapa chini. Tukikubali, utapata kiungo cha lango lako: unganisha simu yako, fuatilia mazungumzo, na chukua mazungumzo mwenyewe wakati wowote."},
	"public.cta":          {"Request setup", "Omba kuunganishwa"},
	"public.signin":       {"Already a customer? Sign in", "Tayari ni mteja? Ingia"},
	"public.switch":       {"Kiswahili", "English"},
	"setup.title":         {"Request setup", "Omba kuunganishwa"},
	"setup.intro":         {"Tell us about your business. We check every request and answer by email or phone, usually within a day.", "Tueleze kuhusu biashara yako. Tunakagua kila ombi na kujibu kwa barua pepe au simu, kwa kawaida ndani ya siku moja."},
	"setup.business":      {"Business name", "Jina la biashara"},
	"setup.business.hint": {"As customers know it; the bot uses it in replies.", "Kama wateja wanavyoijua; boti hulitumia kwenye majibu."},
	"setup.contact":       {"Your name", "Jina lako"},
	"setup.phone":         {"Business WhatsApp number", "Namba ya WhatsApp ya biashara"},
	"setup.phone.hint":    {"E.g. 0712 345 678 with the country chosen, or +255712345678.", "Mf. 0712 345 678 ukichagua nchi, au +255712345678."},
	"setup.country":       {"Country", "Nchi"},
	"setup.country.none":  {"Other (number with country code)", "Nyingine (namba yenye msimbo wa nchi)"},
	"setup.country.ke":    {"Kenya (+254)", "Kenya (+254)"},
	"setup.country.tz":    {"Tanzania (+255)", "Tanzania (+255)"},
	"setup.email":         {"Email", "Barua pepe"},
	"setup.email.hint":    {"Your sign-in to the portal; the invite link goes here.", "Utaitumia kuingia kwenye lango; kiungo cha mwaliko kinatumwa hapa."},
	"setup.template":      {"What should the bot do?", "Boti ifanye nini?"},
	"setup.tpl.booking":   {"Bookings and appointments (salon, clinic, garage)", "Miadi na nafasi (saluni, kliniki, gereji)"},
	"setup.tpl.ecommerce": {"Orders and delivery (shop)", "Oda na usafirishaji (duka)"},
	"setup.tpl.support":   {"Questions and support (help desk)", "Maswali na msaada (huduma kwa wateja)"},
	"setup.language":      {"Reply language", "Lugha ya majibu"},
	"setup.lang.auto":     {"Automatic: the customer's language", "Otomatiki: lugha ya mteja"},
	"setup.lang.en":       {"English", "Kiingereza"},
	"setup.lang.sw":       {"Swahili", "Kiswahili"},
	"setup.note":          {"Anything else? (optional)", "Jambo lingine? (si lazima)"},
	"setup.hp":            {"Leave this field empty", "Acha sehemu hii tupu"},
	"setup.submit":        {"Send request", "Tuma ombi"},
	"setup.invalid":       {"Please correct the marked fields.", "Tafadhali sahihisha sehemu zilizowekwa alama."},
	"setup.duplicate":     {"A request for this number is already waiting for our answer. We will contact you soon; there is no need to send it again.", "Ombi la namba hii tayari linasubiri jibu letu. Tutawasiliana nawe hivi karibuni; hakuna haja ya kulituma tena."},
	"setup.toomany":       {"Too many requests from your network in the last hour. Please try again later.", "Maombi mengi kutoka mtandao wako ndani ya saa moja. Tafadhali jaribu tena baadaye."},
	"setup.thanks":        {"Thank you! Your request has been received.", "Asante! Ombi lako limepokelewa."},
	"setup.thanks.next":   {"We will check it and send an invite link to your email. With it you choose a password and link your WhatsApp number.", "Tutalikagua na kutuma kiungo cha mwaliko kwenye barua pepe yako. Kwa kiungo hicho utachagua nenosiri na kuunganisha namba yako ya WhatsApp."},
	"setup.ref":           {"Reference", "Kumbukumbu"},
	// Field messages of the Swahili form (the English form says exactly what is wrong).
	"setup.err.business_name": {"Check the business name.", "Weka jina la biashara (herufi 80 au chache, bila { au })."},
	"setup.err.contact_name":  {"Check your name.", "Weka jina lako (herufi 120 au chache)."},
	"setup.err.phone":         {"Check the number.", "Weka namba ya simu, mf. 0712 345 678 ukichagua nchi, au +255712345678."},
	"setup.err.country":       {"Check the country.", "Chagua Kenya au Tanzania."},
	"setup.err.email":         {"Check the email.", "Weka barua pepe sahihi, mf. jina@mfano.com."},
	"setup.err.template":      {"Choose what the bot should do.", "Chagua boti ifanye nini."},
	"setup.err.language":      {"Choose a language.", "Chagua lugha."},
	"setup.err.note":          {"Check the note.", "Ujumbe usizidi herufi 1000."},

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

	// Conversations (list and one chat).
	"conv.title":             {"Conversations", "Mazungumzo"},
	"conv.live":              {"live", "moja kwa moja"},
	"conv.live.hint":         {"New messages appear as they arrive", "Ujumbe mpya huonekana unapofika"},
	"conv.search":            {"Search by number or message", "Tafuta kwa namba au ujumbe"},
	"conv.search.hint":       {"e.g. 0712 or delivery", "mf. 0712 au bei"},
	"conv.search.submit":     {"Search", "Tafuta"},
	"conv.none":              {"No conversations yet. When customers write to your WhatsApp number they appear here.", "Bado hakuna mazungumzo. Wateja wakiandika kwenye namba yako ya WhatsApp wataonekana hapa."},
	"conv.nomatch":           {"No conversation matches this search.", "Hakuna mazungumzo yanayolingana na utafutaji huu."},
	"conv.pages":             {"Conversation pages", "Kurasa za mazungumzo"},
	"conv.newest":            {"Most recent first", "Ya karibuni kwanza"},
	"conv.page.newest":       {"Newest", "Mapya"},
	"conv.page.older":        {"Older →", "Ya zamani →"},
	"chat.customer":          {"Customer", "Mteja"},
	"chat.bot":               {"Bot", "Boti"},
	"chat.you":               {"You (phone)", "Wewe (simu)"},
	"chat.system":            {"Automatic notice", "Taarifa ya kiotomatiki"},
	"chat.api":               {"Sent by API", "Imetumwa kwa API"},
	"chat.older":             {"Older messages", "Ujumbe wa zamani"},
	"chat.newest":            {"Newest messages", "Ujumbe mpya zaidi"},
	"chat.start":             {"Start of the conversation", "Mwanzo wa mazungumzo"},
	"chat.status.sent":       {"sent", "imetumwa"},
	"chat.status.pending":    {"sending…", "inatuma…"},
	"chat.status.failed":     {"not sent", "haikutumwa"},
	"chat.status.suppressed": {"held back: reply limit reached", "imezuiwa: kikomo cha majibu kimefikiwa"},
	"chat.status.skipped":    {"bot stayed silent", "boti ilinyamaza"},
	"chat.on.badge":          {"Bot on", "Boti inajibu"},
	"chat.on.text":           {"The bot answers this customer. Pause it to answer by hand.", "Boti inamjibu mteja huyu. Isimamishe ili ujibu mwenyewe."},
	"chat.paused.badge":      {"Bot paused", "Boti imesimamishwa"},
	"chat.paused.text":       {"The bot does not answer this customer; you answer from your phone.", "Boti haimjibu mteja huyu; unajibu mwenyewe kutoka kwenye simu yako."},
	"chat.paused.since":      {"since", "tangu"},
	"chat.auto.badge":        {"Paused by your reply", "Imesimama kwa jibu lako"},
	"chat.auto.text":         {"You answered from your phone, so the bot stayed silent for a while.", "Ulijibu kutoka kwenye simu yako, kwa hiyo boti ilinyamaza kwa muda."},
	"chat.pause":             {"Pause bot", "Simamisha boti"},
	"chat.resume":            {"Resume bot", "Rudisha boti"},
	"chat.paused":            {"Bot paused in this chat.", "Boti imesimamishwa kwenye mazungumzo haya."},
	"chat.resumed":           {"Bot answers this chat again.", "Boti inajibu mazungumzo haya tena."},

	// Settings.
	"settings.title":               {"Settings", "Mipangilio"},
	"settings.saved":               {"Saved. Your bot uses the new settings now.", "Imehifadhiwa. Boti yako inatumia mipangilio mipya sasa."},
	"settings.business":            {"Business name", "Jina la biashara"},
	"settings.business.hint":       {"Used in replies, e.g. \"Welcome to Salon Neema\".", "Linatumika kwenye majibu, mf. \"Karibu Salon Neema\"."},
	"settings.template":            {"Kind of business", "Aina ya biashara"},
	"settings.template.booking":    {"Booking (appointments)", "Miadi (booking)"},
	"settings.template.ecommerce":  {"Shop (orders and delivery)", "Duka (oda na usafirishaji)"},
	"settings.template.support":    {"Support (help desk)", "Huduma kwa wateja"},
	"settings.language":            {"Reply language", "Lugha ya majibu"},
	"settings.language.hint":       {"Also the language of this portal.", "Pia ni lugha ya lango hili."},
	"settings.lang.auto":           {"Automatic: the customer's language", "Kiotomatiki: lugha ya mteja"},
	"settings.lang.en":             {"English", "Kiingereza"},
	"settings.lang.sw":             {"Swahili", "Kiswahili"},
	"settings.ratelimit":           {"Replies per minute", "Majibu kwa dakika"},
	"settings.ratelimit.n":         {"at most %d", "si zaidi ya %d"},
	"settings.ratelimit.none":      {"no limit", "bila kikomo"},
	"settings.ratelimit.hint":      {"Set by your operator to protect your number. Ask them to change it.", "Imewekwa na mwendeshaji kulinda namba yako. Muombe aibadilishe."},
	"settings.replies":             {"Your replies", "Majibu yako"},
	"settings.replies.hint":        {"Write your own answer for any kind of question, in English and Swahili. Leave a box empty to keep the built-in reply (shown in grey). {business} is replaced by your business name. The preview shows what a customer would get.", "Andika jibu lako kwa aina yoyote ya swali, kwa Kiingereza na Kiswahili. Acha kisanduku wazi kubaki na jibu la kawaida (la kijivu). {business} hubadilishwa na jina la biashara yako. Onyesho linaonyesha jibu atakalopata mteja."},
	"settings.custom":              {"your text", "maandishi yako"},
	"settings.reply.en":            {"English reply", "Jibu la Kiingereza"},
	"settings.reply.sw":            {"Swahili reply", "Jibu la Kiswahili"},
	"settings.preview":             {"Preview", "Onyesho"},
	"settings.preview.custom":      {"your reply", "jibu lako"},
	"settings.preview.builtin":     {"built-in reply", "jibu la kawaida"},
	"settings.save":                {"Save settings", "Hifadhi mipangilio"},
	"settings.err.business.long":   {"At most %d characters.", "Isizidi herufi %d."},
	"settings.err.business.braces": {"The business name may not contain { or }.", "Jina la biashara lisiwe na { au }."},
	"settings.err.business.text":   {"The business name may not contain control characters.", "Jina la biashara lisiwe na herufi za udhibiti."},
	"settings.err.template":        {"Choose one of the kinds of business.", "Chagua mojawapo ya aina za biashara."},
	"settings.err.language":        {"Choose one of the languages.", "Chagua mojawapo ya lugha."},
	"settings.err.long":            {"Too long: at most %d characters.", "Ni ndefu mno: isizidi herufi %d."},
	"settings.err.placeholder":     {"The only word in { } allowed is {business}.", "Neno pekee linaloruhusiwa ndani ya { } ni {business}."},
	"settings.err.text":            {"The text must be plain text.", "Maandishi yawe ya kawaida."},
	"settings.err.form":            {"These settings cannot be used.", "Mipangilio hii haiwezi kutumika."},

	// Kinds of customer message (intents), as the settings name them.
	"intent.greeting":     {"Greeting (hello)", "Salamu (habari)"},
	"intent.thanks":       {"Thanks", "Shukrani"},
	"intent.hours":        {"Opening hours", "Saa za kazi"},
	"intent.location":     {"Location", "Mahali"},
	"intent.human":        {"Wants a person", "Anataka kuongea na mtu"},
	"intent.price":        {"Prices", "Bei"},
	"intent.book":         {"Booking", "Kuweka miadi"},
	"intent.reschedule":   {"Changing a booking", "Kubadilisha miadi"},
	"intent.cancel":       {"Cancelling", "Kufuta"},
	"intent.order":        {"Placing an order", "Kuagiza"},
	"intent.order_status": {"Where is my order", "Oda yangu iko wapi"},
	"intent.delivery":     {"Delivery", "Usafirishaji"},
	"intent.payment":      {"Payment", "Malipo"},
	"intent.refund":       {"Refund", "Kurudishiwa pesa"},
	"intent.problem":      {"A problem", "Tatizo"},
	"intent.unknown":      {"Anything else (not understood)", "Mengineyo (haikueleweka)"},

	// Settings: links for developers.
	"settings.dev":          {"For developers", "Kwa wasanidi programu"},
	"settings.dev.hint":     {"Connect your own systems to your bot.", "Unganisha mifumo yako na boti yako."},
	"settings.dev.tokens":   {"API tokens", "Tokeni za API"},
	"settings.dev.webhooks": {"Webhooks", "Webhooks"},
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
