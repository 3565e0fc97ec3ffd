"""The message catalogue: key → (Swedish, English). Swedish is the language of the service."""

from __future__ import annotations

MESSAGES: dict[str, tuple[str, str]] = {
    # --- frame ----------------------------------------------------------------------------------
    "tagline": ("kommunens växel", "the municipal switchboard"),
    "skip_to_content": ("Hoppa till innehållet", "Skip to content"),
    "nav_main": ("Huvudmeny", "Main menu"),
    "other_language": ("In English", "På svenska"),
    "log_out": ("Logga ut", "Log out"),
    "footer": (
        "vaxel – fri programvara för kommunens telefoni. Telefonipolicyn: svara vänligt, korrekt "
        "och snabbt; hänvisa alltid telefonen; ring alltid tillbaka.",
        "vaxel – free software for the municipality's telephony. The policy: answer kindly, "
        "correctly and quickly; always divert your phone; always call back.",
    ),
    "back_to_start": ("Till startsidan", "To the start page"),
    "role": ("Roll", "Role"),
    "role_medarbetare": ("medarbetare", "employee"),
    "role_telefonist": ("telefonist", "operator"),
    "role_chef": ("verksamhetschef", "operations manager"),
    "role_admin": ("administratör", "administrator"),
    "nav_console": ("Växelkonsol", "Operator console"),
    "nav_me": ("Min telefon", "My phone"),
    "nav_chef": ("Mina enheter", "My units"),
    "nav_chef_admin": ("Alla enheter", "All units"),
    "nav_admin": ("Administration", "Administration"),
    "nav_me_presence": ("Hänvisning", "Divert"),
    "nav_me_callbacks": ("Återuppringningar", "Callbacks"),
    "nav_me_voicemail": ("Röstbrevlåda", "Voicemail"),
    "nav_me_greeting": ("Hälsningsfras", "Greeting"),
    "nav_me_devices": ("Telefoner", "Devices"),
    "nav_me_calls": ("Samtalshistorik", "Call history"),
    "nav_chef_overview": ("Översikt", "Overview"),
    "nav_chef_exceptions": ("Undantag", "Exceptions"),
    "nav_chef_hours": ("Telefontider", "Telephone hours"),
    "nav_admin_people": ("Personer", "People"),
    "nav_admin_units": ("Enheter", "Units"),
    "nav_admin_numbers": ("Nummer", "Numbers"),
    "nav_admin_sip": ("SIP-konton", "SIP accounts"),
    "nav_admin_hours": ("Telefontider", "Telephone hours"),
    "nav_admin_closures": ("Helgdagar och stängt", "Holidays and closures"),
    "nav_admin_import": ("Import", "Import"),
    "nav_admin_users": ("Inloggningar", "Log-ins"),
    "nav_admin_exceptions": ("Undantag", "Exceptions"),
    # --- errors ---------------------------------------------------------------------------------
    "error_title": ("Det gick inte", "That did not work"),
    "error_not_found": ("Sidan eller uppgiften finns inte.", "The page or item does not exist."),
    "error_login_required": ("Logga in först.", "Please log in first."),
    "error_csrf": (
        "Formuläret kom inte från den här sidan (CSRF-skydd). Ladda om sidan och försök igen.",
        "The form did not come from this page (CSRF protection). Reload the page and try again.",
    ),
    "error_csrf_login": (
        "Sidan hade blivit för gammal. Försök logga in igen.",
        "The page had expired. Please try to log in again.",
    ),
    "error_login_failed": ("Fel användarnamn eller lösenord.", "Wrong user name or password."),
    "error_locked": (
        "För många misslyckade försök: kontot är låst till {until}. Försök igen då, eller be en "
        "administratör om ett nytt lösenord.",
        "Too many failed attempts: the account is locked until {until}. Try again then, or ask "
        "an administrator for a new password.",
    ),
    "error_role_operator": (
        "Det här är telefonisternas sida.",
        "This page is for switchboard operators.",
    ),
    "error_role_chef": ("Det här är verksamhetschefernas sida.", "This page is for managers."),
    "error_role_admin": (
        "Det här kräver administratörsbehörighet.",
        "This needs an administrator.",
    ),
    "error_no_person": (
        "Din inloggning hör inte till någon person i katalogen.",
        "Your log-in does not belong to a person in the directory.",
    ),
    "error_not_yours": (
        "Det här får du inte ändra: det gäller någon annan.",
        "You may not change this: it belongs to someone else.",
    ),
    "error_not_your_unit": (
        "Det här gäller en enhet där du inte är verksamhetschef.",
        "This concerns a unit you are not the manager of.",
    ),
    "error_own_request": (
        "Ingen beslutar om sin egen ansökan; den går till nivån över dig.",
        "Nobody decides their own request; it goes to the level above you.",
    ),
    "error_admin_decides": (
        "Ingen verksamhetschef står över personen, så en administratör beslutar.",
        "No manager is above this person, so an administrator decides.",
    ),
    "admin_decides_as_login": (
        "Din inloggning ({username}) hör inte till någon person i katalogen. Du beslutar ändå, "
        "och besluten visas med inloggningens namn. Koppla inloggningen till dig under "
        "Administration → Inloggningar, så visas ditt namn.",
        "Your log-in ({username}) does not belong to a person in the directory. You decide "
        "all the same, and the decisions show the log-in's name. Link the log-in to yourself "
        "under Administration → Log-ins to have your name shown.",
    ),
    "decided_by_login": ("Administratören {username}", "The administrator {username}"),
    "error_not_your_voicemail": (
        "Meddelandet finns inte i din röstbrevlåda.",
        "The message is not in your mailbox.",
    ),
    "error_no_mailbox": (
        "Du har ingen röstbrevlåda ännu (den skapas med din anknytning).",
        "You have no mailbox yet (it comes with your extension).",
    ),
    "error_invalid_field": ("{field}: {reason}", "{field}: {reason}"),
    # --- log-in ---------------------------------------------------------------------------------
    "login_heading": ("Logga in", "Log in"),
    "login_intro": (
        "Logga in med ditt användarnamn och lösenord för växeln.",
        "Log in with your switchboard user name and password.",
    ),
    "username": ("Användarnamn", "User name"),
    "password": ("Lösenord", "Password"),
    "log_in": ("Logga in", "Log in"),
    "demo_logins": ("Inloggningar i demon", "Demo log-ins"),
    "logged_out": ("Du är utloggad.", "You are logged out."),
    # --- console --------------------------------------------------------------------------------
    "console_heading": ("Växelkonsol", "Operator console"),
    "call_control_missing": (
        "Samtalsstyrningen är inte ansluten till växeln ännu. Svara och koppla samtal från "
        "telefonen så länge.",
        "Call handling is not connected to the switch yet. Answer and transfer calls from "
        "your phone for now.",
    ),
    "queue_heading": ("Kön", "Queue"),
    "queue_is_empty": ("Ingen väntar.", "Nobody is waiting."),
    "queue_empty": ("Ingen väntar i kön.", "Nobody is waiting in the queue."),
    "operators_heading": ("Inloggade i kön", "Signed in to the queue"),
    "operators_none": (
        "Ingen telefonist är inloggad i kön. Logga in här eller med *21# från telefonen.",
        "No operator is signed in to the queue. Sign in here or with *21# from the phone.",
    ),
    "operator_since": ("sedan {time}", "since {time}"),
    "operator_me": ("du", "you"),
    "queue_sign_in": ("Logga in i kön", "Sign in to the queue"),
    "queue_sign_out": ("Logga ut ur kön", "Sign out of the queue"),
    "queue_signed_in": (
        "Du är inloggad i kön. Samtalen ringer på {number}.",
        "You are signed in to the queue. Calls ring on {number}.",
    ),
    "queue_already_signed_in": (
        "Du var redan inloggad i kön. Samtalen ringer på {number}.",
        "You were already signed in to the queue. Calls ring on {number}.",
    ),
    "queue_signed_out": ("Du är utloggad ur kön.", "You are signed out of the queue."),
    "queue_not_signed_in": ("Du var inte inloggad i kön.", "You were not signed in to the queue."),
    "pick_call": ("Ta", "Take"),
    "answer_next": ("Svara på nästa", "Answer next"),
    "current_call": ("Pågående samtal", "Current call"),
    "keys_heading": ("Kortkommandon", "Keyboard"),
    "or": ("eller", "or"),
    "key_search": ("Sök", "Search"),
    "key_move": ("Bläddra bland träffarna", "Move through the hits"),
    "key_message": ("Ta meddelande", "Take a message"),
    "key_absence": ("Hänvisa personen", "Divert the person"),
    "key_transfer": ("Koppla samtalet", "Transfer the call"),
    "key_answer": ("Svara på nästa i kön", "Answer the next caller"),
    "key_sign_in": ("Logga in i eller ut ur kön", "Sign in to or out of the queue"),
    "key_escape": ("Tillbaka till sökrutan", "Back to the search box"),
    "search_label": (
        "Sök person, enhet, titel eller nyckelord",
        "Search person, unit, title or keyword",
    ),
    "search_placeholder": ("t.ex. bygglov, Anna, 4123", "e.g. bygglov, Anna, 4123"),
    "search_hint": (
        "Träffarna visas medan du skriver. Pil ned går till träffarna.",
        "Hits appear as you type. Arrow down moves to them.",
    ),
    "search_results": ("Sökträffar", "Search results"),
    "directory_heading": ("Katalogen", "Directory"),
    "take_message": ("Ta meddelande", "Take a message"),
    "set_absence": ("Hänvisa", "Divert"),
    "set_absence_for": ("Hänvisa", "Divert"),
    "transfer": ("Koppla", "Transfer"),
    "transfer_to": ("Koppla till", "Transfer to"),
    "transfer_number": ("Nummer", "Number"),
    "transfer_how": ("Hur", "How"),
    "transfer_blind": ("Direkt", "Blind"),
    "transfer_consult": ("Med förfrågan", "Consult first"),
    "transfer_complete": ("Koppla ihop", "Complete transfer"),
    "transfer_cancel": ("Tillbaka till den som ringer", "Back to the caller"),
    "transfer_blind_done": (
        "Samtalet är kopplat. Svarar ingen kommer det tillbaka till dig.",
        "The call is transferred. If nobody answers it comes back to you.",
    ),
    "transfer_consult_started": (
        "Den som ringer väntar. Du pratar nu med personen; koppla ihop eller gå tillbaka.",
        "The caller is on hold. You are speaking to the person; complete or go back.",
    ),
    "transfer_completed": ("Samtalet är kopplat.", "The call is transferred."),
    "transfer_cancelled": ("Du är tillbaka hos den som ringer.", "You are back with the caller."),
    "numbers": ("Nummer", "Numbers"),
    "telephone_hours": ("Telefontid", "Telephone hours"),
    "devices": ("Telefoner", "Devices"),
    "notes": ("Notering", "Note"),
    "person_note": ("Notering", "Note"),
    "absence_note": ("Hänvisningens notering", "Divert note"),
    "caller_number": ("Uppringarens nummer", "Caller's number"),
    "caller_name": ("Uppringarens namn", "Caller's name"),
    "message_note": ("Meddelande", "Message"),
    "save_message": ("Spara meddelandet", "Save the message"),
    "cancel": ("Avbryt", "Cancel"),
    "optional": ("(frivilligt)", "(optional)"),
    "reason": ("Orsak", "Reason"),
    "return_time": ("Åter", "Back"),
    "return_time_hint": (
        "t.ex. 13:00, i morgon 08:00, måndag 08:00, 2026-12-03 08:00",
        "e.g. 13:00, i morgon 08:00, måndag 08:00, 2026-12-03 08:00",
    ),
    "return_time_hint_short": (
        "t.ex. 14:30, i morgon 08:00, måndag 08:00",
        "e.g. 14:30, i morgon 08:00, måndag 08:00",
    ),
    "note": ("Notering", "Note"),
    "save_absence": ("Spara hänvisningen", "Save"),
    "clear_absence": ("Ta bort hänvisningen", "Clear the diversion"),
    "queue_empty_short": ("Tom", "Empty"),
    "js_no_hits": ("Inga träffar.", "No hits."),
    "js_one_hit": ("En träff.", "One hit."),
    "js_hits": ("{n} träffar.", "{n} hits."),
    "js_none": ("inga", "none"),
    "js_no_hours": ("Ingen telefontid angiven", "No telephone hours set"),
    "js_registered": ("registrerad", "registered"),
    "js_not_registered": ("inte registrerad", "not registered"),
    "js_back": ("Åter", "Back"),
    "js_return_unknown": ("Återkomst okänd", "Return unknown"),
    "js_function_number": ("Funktionsnummer", "Function number"),
    "js_choose_first": ("Sök och välj en person först.", "Search and choose a person first."),
    "js_no_current_call": (
        "Du har inget pågående samtal att koppla. Svara på ett samtal i kön först.",
        "You have no call to transfer. Answer a call from the queue first.",
    ),
    "js_message_saved": (
        "Meddelandet till {name} är sparat; ska ringas upp senast {due}.",
        "The message for {name} is saved; to be called back by {due}.",
    ),
    "js_absence_saved": ("{name} är hänvisad.", "{name} is diverted."),
    "js_absence_cleared": ("{name} är tillgänglig igen.", "{name} is available again."),
    "js_pick": ("Ta", "Take"),
    "js_queue_empty": ("Ingen väntar.", "Nobody is waiting."),
    "js_operators_none": (
        "Ingen telefonist är inloggad i kön. Logga in här eller med *21# från telefonen.",
        "No operator is signed in to the queue. Sign in here or with *21# from the phone.",
    ),
    "js_operator_since": ("sedan {time}", "since {time}"),
    "js_operator_me": ("du", "you"),
    "js_sign_in": ("Logga in i kön", "Sign in to the queue"),
    "js_sign_out": ("Logga ut ur kön", "Sign out of the queue"),
    "js_connected": (
        "Din telefon ringer; svara så kopplas den som ringer till dig.",
        "Your phone is ringing; answer it to speak to the caller.",
    ),
    # --- self-service ---------------------------------------------------------------------------
    "me_presence_heading": ("Min hänvisning", "My diversion"),
    "my_status_now": ("Just nu", "Right now"),
    "available_text": ("Samtal kopplas till dina telefoner.", "Calls go to your phones."),
    "back": ("Åter", "Back"),
    "return_unknown": ("Återkomst okänd", "Return unknown"),
    "callers_hear": ("Den som ringer får höra:", "Callers hear:"),
    "i_am_back": ("Jag är tillbaka", "I am back"),
    "divert_me": ("Hänvisa min telefon", "Divert my phone"),
    "two_clicks_hint": (
        "Välj orsak och sedan när du är tillbaka – två klick.",
        "Choose a reason, then when you are back – two clicks.",
    ),
    "step_reason": ("1. Orsak", "1. Reason"),
    "step_return": ("2. Åter", "2. Back"),
    "other_return_time": ("Annan tid", "Another time"),
    "absence_saved_self": (
        "Din telefon är hänvisad. Den som ringer får höra när du är tillbaka.",
        "Your phone is diverted. Callers hear when you are back.",
    ),
    "absence_cleared_self": (
        "Välkommen tillbaka! Samtal kopplas till dig igen.",
        "Welcome back! Calls come to you again.",
    ),
    "me_callbacks_heading": ("Mina återuppringningar", "My callbacks"),
    "filter": ("Visa", "Show"),
    "state_open": ("Öppna", "Open"),
    "state_overdue": ("Försenade", "Overdue"),
    "state_done": ("Klara", "Done"),
    "caller": ("Vem", "Caller"),
    "why": ("Varför", "Why"),
    "created": ("Kom in", "Received"),
    "due": ("Ring senast", "Call back by"),
    "state": ("Läge", "State"),
    "actions": ("Åtgärder", "Actions"),
    "attempts": ("försök", "attempts"),
    "call_back": ("Ring upp", "Call back"),
    "mark_done": ("Klar", "Done"),
    "no_callbacks": ("Inga återuppringningar här.", "No callbacks here."),
    "callback_marked_done": ("Återuppringningen är markerad som klar.", "The callback is done."),
    "callback_done_how": ("markerad klar på webben", "marked done on the web"),
    "callback_calling": (
        "Din telefon ringer; när du svarar rings den som sökte dig upp.",
        "Your phone is ringing; when you answer, the caller is called.",
    ),
    "me_voicemail_heading": ("Min röstbrevlåda", "My voicemail"),
    "play_message_from": ("Spela meddelande från", "Play message from"),
    "extension": ("anknytning", "extension"),
    "extension_heading": ("Anknytning", "Extension"),
    "heard": ("Avlyssnat", "Heard"),
    "new": ("Nytt", "New"),
    "mark_heard": ("Markera som avlyssnat", "Mark as heard"),
    "delete": ("Radera", "Delete"),
    "confirm_delete_voicemail": ("Radera meddelandet?", "Delete the message?"),
    "voicemail_marked_heard": ("Markerat som avlyssnat.", "Marked as heard."),
    "voicemail_deleted": ("Meddelandet är raderat.", "The message is deleted."),
    "no_voicemail": ("Inga meddelanden.", "No messages."),
    "me_greeting_heading": ("Min hälsningsfras", "My greeting"),
    "greeting_intro": (
        "Policyn säger att hälsningsfrasen ska tala om vems telefon det är.",
        "The policy says the greeting must say whose phone it is.",
    ),
    "mailbox_for_extension": ("Röstbrevlåda för anknytning", "Mailbox of extension"),
    "play_greeting": ("Spela hälsningen", "Play the greeting"),
    "reset_greeting": ("Tillbaka till standardhälsningen", "Back to the default greeting"),
    "confirm_reset_greeting": (
        "Ta bort din inspelade hälsning och använda standardhälsningen?",
        "Remove your recorded greeting and use the default?",
    ),
    "greeting_default_text": ("Standardhälsningen låter så här:", "The default greeting says:"),
    "record_by_phone": ("Spela in från telefonen", "Record from your phone"),
    "greeting_record_how": (
        "Ring {code} från din anknytning, tala efter tonen och lägg på när du är klar.",
        "Dial {code} from your extension, speak after the tone and hang up when done.",
    ),
    "upload_greeting": ("Ladda upp en ljudfil", "Upload a sound file"),
    "greeting_file": ("Ljudfil", "Sound file"),
    "greeting_file_hint": (
        "WAV eller MP3, 1 sekund till 2 minuter; görs om till telefonkvalitet (8 kHz).",
        "WAV or MP3, 1 second to 2 minutes; converted to telephone quality (8 kHz).",
    ),
    "upload": ("Ladda upp", "Upload"),
    "greeting_uploaded": ("Din hälsning är sparad.", "Your greeting is saved."),
    "greeting_reset": ("Standardhälsningen används igen.", "The default greeting is used again."),
    "me_devices_heading": ("Mina telefoner", "My devices"),
    "devices_intro": (
        "Alla dina telefoner ringer när någon söker dig och du inte är hänvisad.",
        "All your devices ring when someone calls and you are not diverted.",
    ),
    "devices_connect": (
        "Så kopplar du en bordstelefon eller softphone: registrera den mot {server} (UDP eller "
        "TCP) med ditt SIP-användarnamn nedan och domänen (realm) {realm}. Lösenordet får du "
        "av administratören.",
        "To connect a desk phone or softphone: register it at {server} (UDP or TCP) with your "
        "SIP user name below and the domain (realm) {realm}. The administrator gives you the "
        "password.",
    ),
    "device": ("Telefon", "Device"),
    "sip_username": ("SIP-användare", "SIP user"),
    "registered_q": ("Ansluten", "Registered"),
    "registered_from": ("Ansluten från", "Registered from"),
    "until": ("till", "until"),
    "no_devices": ("Du har inga telefoner registrerade i växeln.", "You have no devices."),
    "me_calls_heading": ("Min samtalshistorik", "My call history"),
    "when": ("När", "When"),
    "direction": ("Riktning", "Direction"),
    "number": ("Nummer", "Number"),
    "outcome": ("Utfall", "Outcome"),
    "duration": ("Längd", "Duration"),
    "no_calls": ("Inga samtal ännu.", "No calls yet."),
    # --- chef -----------------------------------------------------------------------------------
    "chef_heading": ("Mina enheter", "My units"),
    "chef_no_units": (
        "Du är inte verksamhetschef för någon enhet i katalogen.",
        "You are not the manager of any unit in the directory.",
    ),
    "chef_units_intro": ("Du är verksamhetschef för", "You manage"),
    "chef_heading_admin": ("Alla enheter", "All units"),
    "admin_units_intro": (
        "Som administratör ser du alla enheter i",
        "As an administrator you see every unit of",
    ),
    "exceptions_intro_admin": (
        "Här ser du alla ansökningar som väntar och alla beslutade undantag. Varje enhets "
        "verksamhetschef beslutar för sina medarbetare; där ingen verksamhetschef står över "
        "personen beslutar en administratör, under",
        "Here you see every waiting request and every decided exception. Each unit's manager "
        "decides for their staff; where no manager is above the person, an administrator "
        "decides, under",
    ),
    "finding_missing_greeting": ("Saknar egen hälsningsfras", "No greeting of their own"),
    "finding_absent_without_return": ("Hänvisade utan återkomsttid", "Diverted without a return"),
    "finding_overdue_callback": ("Försenade återuppringningar", "Overdue callbacks"),
    "finding_expired_exception": ("Undantag som gått ut", "Expired exceptions"),
    "finding_past_end_date": ("Slutat men har kvar nummer", "Left but still have numbers"),
    "finding_revision_due": ("Policyn ska revideras", "Policy revision due"),
    "who": ("Vem", "Who"),
    "unit": ("Enhet", "Unit"),
    "detail": ("Vad", "What"),
    "nothing_to_report": ("Inget att åtgärda.", "Nothing to act on."),
    "chef_exceptions_heading": ("Undantag från spärrar", "Exceptions from barring"),
    "exceptions_intro": (
        "Privat användning och nåbarhet efter arbetstid är undantag som du som verksamhetschef "
        "beslutar om, med skäl och för en begränsad tid (högst ett år).",
        "Private use and reachability after hours are exceptions you decide as manager, with a "
        "reason and for a limited time (at most a year).",
    ),
    "decide_exception": ("Bevilja undantag", "Grant an exception"),
    "person": ("Person", "Person"),
    "exception_kind": ("Undantag", "Exception"),
    "decision_reason": ("Skäl", "Reason"),
    "valid_from": ("Gäller från", "Valid from"),
    "valid_to": ("Gäller till och med", "Valid through"),
    "valid_to_hint": ("högst ett år", "at most a year"),
    "approve_exception": ("Bevilja", "Grant"),
    "exception_decided": ("Undantaget är beslutat.", "The exception is decided."),
    "decided_exceptions": ("Beslutade undantag", "Decided exceptions"),
    "valid_period": ("Period", "Period"),
    "decided_by": ("Beslutat av", "Decided by"),
    "no_exceptions": ("Inga undantag.", "No exceptions."),
    "hours_heading": ("Telefontider", "Telephone hours"),
    "hours_intro": (
        "Utanför telefontiden får den som ringer höra när ni öppnar igen. Helgdagar och "
        "aftnar är stängda.",
        "Outside telephone hours callers hear when you open again. Public holidays and eves "
        "are closed.",
    ),
    "inherited": ("ärvd från enheten ovanför", "inherited from the unit above"),
    "no_hours_set": ("Ingen telefontid angiven.", "No telephone hours set."),
    "own_hours": ("Egna telefontider", "Own telephone hours"),
    "hours_hint": (
        "t.ex. mån-fre 08:00-12:00 och 13:00-16:30; aftnar till 12. Tomt: ärv.",
        "e.g. mån-fre 08:00-12:00 och 13:00-16:30; aftnar till 12. Empty: inherit.",
    ),
    "save": ("Spara", "Save"),
    "hours_saved": ("Telefontiderna är sparade.", "The telephone hours are saved."),
    "function_hours_heading": ("Funktionsnummer", "Function numbers"),
    "function_hours_intro": (
        "Ett funktionsnummer kan ha egen telefontid, t.ex. Bygglov 9–12; annars gäller enhetens.",
        "A function number may have its own hours, e.g. Bygglov 9–12; otherwise the unit's apply.",
    ),
    "unit_hours_apply": ("Enhetens telefontid gäller", "The unit's hours apply"),
    # --- admin ----------------------------------------------------------------------------------
    "admin_people_heading": ("Personer", "People"),
    "filter_people": ("Sök bland personer", "Filter people"),
    "showing_n_of_m": ("Visar {n} av {m}.", "Showing {n} of {m}."),
    "name": ("Namn", "Name"),
    "email": ("E-post", "E-mail"),
    "title_field": ("Titel", "Title"),
    "kind": ("Typ", "Kind"),
    "keywords": ("Nyckelord", "Keywords"),
    "keywords_hint": ("åtskilda med semikolon", "separated by semicolons"),
    "start_date": ("Startdatum", "Start date"),
    "end_date": ("Slutdatum", "End date"),
    "end_date_hint": (
        "krävs för tillfällig personal och uppdragstagare",
        "required for temporary staff and contractors",
    ),
    "edit": ("Ändra", "Edit"),
    "edit_person": ("Ändra", "Edit"),
    "add_person": ("Lägg till person", "Add a person"),
    "person_added": ("Personen är tillagd.", "The person is added."),
    "person_saved": ("Ändringen är sparad.", "The change is saved."),
    "admin_units_heading": ("Enheter", "Units"),
    "verksamhetschef": ("Verksamhetschef", "Manager"),
    "add_unit": ("Lägg till enhet", "Add a unit"),
    "parent_unit": ("Under", "Under"),
    "no_parent": ("(överst)", "(top)"),
    "add": ("Lägg till", "Add"),
    "unit_added": ("Enheten är tillagd.", "The unit is added."),
    "set_verksamhetschef": ("Verksamhetschef för en enhet", "A unit's manager"),
    "person_hint": ("e-post, anknytning eller namn", "e-mail, extension or name"),
    "chef_saved": ("Verksamhetschefen är sparad.", "The manager is saved."),
    "admin_numbers_heading": ("Nummer", "Numbers"),
    "filter_numbers": ("Sök nummer eller innehavare", "Filter numbers or holders"),
    "all": ("alla", "all"),
    "assigned_to": ("Innehavare", "Assigned to"),
    "since": ("Sedan", "Since"),
    "release": ("Släpp", "Release"),
    "confirm_release": ("Släppa {number}?", "Release {number}?"),
    "number_released": ("Numret är släppt.", "The number is released."),
    "assign_number": ("Tilldela nummer", "Assign a number"),
    "number_hint": (
        "anknytning (4123) eller fullständigt nummer",
        "extension (4123) or a full number",
    ),
    "or_unit": ("eller enhet (funktionsnummer)", "or unit (function number)"),
    "function_label": ("Funktionens namn", "Function name"),
    "assign": ("Tilldela", "Assign"),
    "number_assigned": ("Numret är tilldelat.", "The number is assigned."),
    "admin_sip_heading": ("SIP-konton", "SIP accounts"),
    "sip_intro": (
        "Varje telefon har ett eget konto. Lösenordet sparas bara som digest (HA1), aldrig i "
        "klartext.",
        "Every device has its own account. The password is kept only as a digest (HA1).",
    ),
    "filter_accounts": ("Sök konto eller person", "Filter accounts or people"),
    "enabled": ("aktivt", "enabled"),
    "disabled": ("avstängt", "disabled"),
    "enable": ("Aktivera", "Enable"),
    "disable": ("Stäng av", "Disable"),
    "account_saved": ("Kontot är sparat.", "The account is saved."),
    "add_account": ("Lägg till konto", "Add an account"),
    "device_label": ("Beskrivning", "Label"),
    "sip_password": ("SIP-lösenord", "SIP password"),
    "sip_password_hint": ("minst 12 tecken", "at least 12 characters"),
    "account_added": ("Kontot är tillagt.", "The account is added."),
    "new_sip_password": ("Nytt SIP-lösenord", "New SIP password"),
    "admin_closures_heading": ("Helgdagar och stängt", "Holidays and closures"),
    "closures": ("Stängt", "Closures"),
    "from": ("Från", "From"),
    "to": ("Till", "To"),
    "whole_kommun": ("Hela kommunen", "The whole municipality"),
    "no_closures": ("Inga kommande stängningar.", "No coming closures."),
    "add_closure": ("Lägg till stängning", "Add a closure"),
    "closure_reason_example": ("t.ex. personaldag", "e.g. staff day"),
    "closure_added": ("Stängningen är tillagd.", "The closure is added."),
    "holidays_heading": ("Helgdagar och aftnar", "Public holidays and eves"),
    "holidays_intro": (
        "Svenska helgdagar och aftnar räknas fram automatiskt; telefontiden är stängd då.",
        "Swedish public holidays and eves are computed; telephone hours are closed then.",
    ),
    "date": ("Datum", "Date"),
    "eve": ("afton", "eve"),
    "admin_import_heading": ("Importera personer", "Import people"),
    "import_intro": (
        "En CSV-fil med kolumnerna name, email, unit, title, kind, extension, mobile, end_date, "
        "keywords, sip_password (se docs/csv-import.md). Allt eller inget: är någon rad fel "
        "sparas ingenting, och varje fel visas med rad och kolumn.",
        "A CSV file with the columns name, email, unit, title, kind, extension, mobile, end_date, "
        "keywords, sip_password (see docs/csv-import.md). All or nothing: if any row is bad "
        "nothing is saved, and every problem is shown by line and column.",
    ),
    "csv_file": ("CSV-fil", "CSV file"),
    "dry_run": ("Provkör bara (spara inget)", "Dry run (save nothing)"),
    "create_units": ("Skapa enheter som saknas", "Create missing units"),
    "import": ("Importera", "Import"),
    "import_result": ("Resultat", "Result"),
    "import_errors": ("Fel i filen", "Problems in the file"),
    "line": ("Rad", "Line"),
    "column": ("Kolumn", "Column"),
    "problem": ("Fel", "Problem"),
    "js_dry_run_done": (
        "Provkörning: {rows} rader är rätt. Skulle skapa {created}, ändra {updated}, lämna "
        "{unchanged} orörda.",
        "Dry run: {rows} rows are fine. Would create {created}, update {updated}, leave "
        "{unchanged} unchanged.",
    ),
    "js_import_done": (
        "Klart: {rows} rader. {created} nya, {updated} ändrade, {unchanged} oförändrade; "
        "{numbers} nummer, {accounts} konton, {units} nya enheter.",
        "Done: {rows} rows. {created} new, {updated} updated, {unchanged} unchanged; "
        "{numbers} numbers, {accounts} accounts, {units} new units.",
    ),
    "js_import_failed": ("Ingenting importerades.", "Nothing was imported."),
    "js_import_moved": (
        "Anknytningar som bytt innehavare tog med sig {mailboxes} röstbrevlådor och {accounts} "
        "SIP-konton (återställda: den förra innehavarens hälsning och meddelanden är borta).",
        "Extensions that changed hands took {mailboxes} mailboxes and {accounts} SIP accounts "
        "along (reset: the previous holder's greeting and messages are gone).",
    ),
    "js_import_encoding": (
        "Obs: filen är inte UTF-8; den lästes som Windows-1252 (Excels CSV). Kontrollera att å, "
        "ä och ö blev rätt.",
        "Note: the file is not UTF-8; it was read as Windows-1252 (Excel's CSV). Check that å, "
        "ä and ö came out right.",
    ),
    "admin_users_heading": ("Inloggningar", "Log-ins"),
    "last_login": ("Senast inloggad", "Last log-in"),
    "locked_until": ("låst till", "locked until"),
    "active": ("aktiv", "active"),
    "add_user": ("Ny inloggning", "New log-in"),
    "user_password_hint": ("minst 10 tecken", "at least 10 characters"),
    "user_added": ("Inloggningen är skapad.", "The log-in is created."),
    "new_user_password": ("Nytt lösenord", "New password"),
    "new_user_password_hint": (
        "Ett nytt lösenord häver också en spärr efter misslyckade inloggningar.",
        "A new password also lifts a lock-out after failed log-ins.",
    ),
    "user_saved": ("Lösenordet är bytt.", "The password is changed."),
    "link_user": ("Koppla inloggning till person", "Link a log-in to a person"),
    "link_user_intro": (
        "Personen är den vars självservice inloggningen öppnar, vars enheter en chef ansvarar "
        "för och i vars namn beslut fattas. Lämna fältet tomt för att ta bort kopplingen.",
        "The person is whose self-service the log-in opens, whose units a manager is "
        "responsible for and in whose name decisions are made. Leave the field empty to "
        "remove the link.",
    ),
    "link_user_button": ("Spara kopplingen", "Save the link"),
    "user_linked": ("Inloggningen är kopplad.", "The log-in is linked."),
    "no_person": ("ingen person", "no person"),
    # --- exception requests and notes (self-service and chef) ------------------------------
    "nav_me_exceptions": ("Undantag", "Exceptions"),
    "me_exceptions_heading": ("Undantag från spärrarna", "Exceptions from call barring"),
    "me_exceptions_intro": (
        "Telefonen är ett arbetsverktyg: privata samtal är spärrade, och efter arbetstid går "
        "bara interna samtal och nödsamtal. Behöver du ett undantag – privat användning eller "
        "att vara nåbar efter arbetstid – ansöker du här. Din verksamhetschef beslutar, för en "
        "begränsad tid.",
        "The phone is a work tool: private calls are barred, and after working hours only "
        "internal and emergency calls go out. If you need an exception – private use, or being "
        "reachable after hours – ask for it here. Your manager decides, for a limited time.",
    ),
    "ask_for_exception": ("Ansök om undantag", "Ask for an exception"),
    "request_goes_to": (
        "Ansökan går till {name}, som beslutar.",
        "The request goes to {name}, who decides.",
    ),
    "request_goes_to_admin": (
        "Ingen verksamhetschef står över dig, så ansökan går till en administratör, som beslutar.",
        "No manager is above you, so the request goes to an administrator, who decides.",
    ),
    "request_reason": ("Skäl", "Reason"),
    "request_reason_hint": ("varför behöver du undantaget?", "why do you need the exception?"),
    "wanted_from": ("Från och med", "From"),
    "wanted_to": ("Till och med", "Through"),
    "send_request": ("Skicka ansökan", "Send the request"),
    "my_requests": ("Mina ansökningar", "My requests"),
    "wanted_period": ("Önskad period", "Wanted period"),
    "decision": ("Beslut", "Decision"),
    "granted_period": ("Beviljat", "Granted"),
    "requested_on": ("Ansökt {day}", "Requested {day}"),
    "no_requests": (
        "Du har inte ansökt om något undantag.",
        "You have not asked for an exception.",
    ),
    "exception_requested": (
        "Ansökan är skickad till din verksamhetschef.",
        "The request is sent to your manager.",
    ),
    "exception_requested_admin": (
        "Ansökan är skickad till administratörerna.",
        "The request is sent to the administrators.",
    ),
    "requests_to_decide": ("Ansökningar som väntar på beslut", "Requests waiting for a decision"),
    "requests_waiting": (
        "Ansökningar om undantag som väntar på ditt beslut: {n}",
        "Requests for exceptions waiting for your decision: {n}",
    ),
    "approve_request": ("Bevilja", "Approve"),
    "deny_request": ("Avslå", "Deny"),
    "deny_reason": ("Skäl för avslag", "Why it is denied"),
    "decision_note": ("Kommentar till beslutet", "A note with the decision"),
    "decided_by_their_chef": (
        "Beslutas av personens verksamhetschef.",
        "Decided by the person's manager.",
    ),
    "decided_by_name": ("Beslutas av {name}.", "Decided by {name}."),
    "decided_by_an_admin": (
        "Ingen verksamhetschef står över personen: en administratör beslutar.",
        "No manager is above the person: an administrator decides.",
    ),
    "admin_exceptions_heading": ("Undantag att besluta", "Exceptions to decide"),
    "admin_exceptions_intro": (
        "En ansökan om undantag från spärrarna beslutas av verksamhetschefen närmast över den "
        "som ansöker. Högst upp i organisationen – kommundirektören, eller en chef som ingen "
        "verksamhetschef står över – finns ingen sådan, och då beslutar en administratör, i "
        "eget namn. Ingen beslutar om sin egen ansökan.",
        "A request for an exception from call barring is decided by the nearest manager above "
        "the person asking. At the top of the organisation – the chief executive, or a manager "
        "with no manager above them – there is none, and an administrator decides, in their own "
        "name. Nobody decides their own request.",
    ),
    "admin_requests_heading": (
        "Ansökningar utan verksamhetschef över sig",
        "Requests with no manager above",
    ),
    "admin_requests_waiting": (
        "Ansökningar om undantag som väntar på en administratörs beslut: {n}",
        "Requests for exceptions waiting for an administrator's decision: {n}",
    ),
    "admin_all_requests": (
        "Alla ansökningar som väntar, och de undantag som är beslutade, finns under",
        "Every waiting request, and the exceptions decided, are under",
    ),
    "no_requests_to_decide": ("Inga ansökningar väntar på beslut.", "No requests are waiting."),
    "request_approved": (
        "Ansökan är beviljad; undantaget gäller under perioden.",
        "The request is approved; the exception holds for the period.",
    ),
    "request_denied": ("Ansökan är avslagen.", "The request is denied."),
    "my_note_heading": ("Notering till växeln", "A note for the switchboard"),
    "my_note_intro": (
        "Telefonisten ser noteringen när hen söker fram dig, till exempel ”Arbetar deltid "
        "mån–ons” eller ”Nås bäst via mobil”.",
        "The operator sees the note when they look you up, for example “Works part time "
        "Mon–Wed” or “Best reached on the mobile”.",
    ),
    "person_note_hint": (
        "visas för telefonisten, högst 500 tecken",
        "shown to the operator, at most 500 characters",
    ),
    "save_note": ("Spara noteringen", "Save the note"),
    "note_saved": ("Noteringen är sparad.", "The note is saved."),
}

# The domain and storage say what is wrong in English (the CLI and the logs read it so). The
# Swedish UI shows the common ones in Swedish: (field, the English reason as a pattern, the
# Swedish text with the pattern's groups). A reason not listed is shown as it is.
DOMAIN_ERRORS_SV: list[tuple[str, str, str]] = [
    ("until", r"a return time is required for (?P<reason>.+) \(only (?P<allowed>.+) may leave "
     r"it out.*\)",
     "Ange en återkomsttid för {reason} – bara {allowed} får lämna den tom; den som ringer "
     "ska få veta när du är tillbaka."),
    ("until", r"the return time (?P<at>.+) has already passed",
     "Återkomsttiden {at} har redan passerat."),
    ("until", r"the time must include a time zone", "Tiden saknar tidszon."),
    ("*", r"cannot read (?P<text>.+) as a time; write e\.g\. .*",
     "Kan inte läsa {text} som en tid; skriv till exempel 14:00, 1400, i morgon 08:00, "
     "måndag 08:00 eller 2026-12-03."),
    ("reason", r"unknown reason (?P<text>.+); use one of: (?P<valid>[^(]+) \(in English.*",
     "Okänd orsak {text}; välj en av: {valid}."),
    ("reason", r"say why you need the exception", "Skriv varför du behöver undantaget."),
    ("reason", r"say why the request is denied", "Skriv varför ansökan avslås."),
    ("reason", r"an exception needs a reason", "Ett undantag behöver ett skäl."),
    ("wanted_to", r"the period must end after it starts",
     "Perioden måste sluta efter att den börjar."),
    ("valid_to", r"the exception must end after it starts",
     "Undantaget måste sluta efter att det börjar."),
    ("*", r"the last day is before the first", "Sista dagen är före den första."),
    ("*", r"an exception lasts at most (?P<n>\d+) days", "Ett undantag gäller högst {n} dagar."),
    ("kind", r"a request of this kind is already waiting for a decision",
     "En ansökan om samma undantag väntar redan på beslut."),
    ("status", r"the request is already approved", "Ansökan är redan beviljad."),
    ("status", r"the request is already denied", "Ansökan är redan avslagen."),
    ("decided_by", r"an exception is decided by the unit's verksamhetschef",
     "Undantag beslutas av enhetens verksamhetschef."),
    ("decided_by", r"no one decides an exception for themselves.*",
     "Ingen beslutar om undantag för sig själv; nästa nivå beslutar."),
    ("decided_by", r"no verksamhetschef above the person decides exceptions; .*",
     "Ingen verksamhetschef står över personen, så en administratör beslutar."),
    ("note", r"the note is longer than (?P<n>\d+) characters",
     "Noteringen är längre än {n} tecken."),
    ("person", r"nobody matches (?P<who>.+) \(give an extension, an e-mail or a name\)",
     "Person: ingen i katalogen matchar {who}; ange en anknytning, en e-postadress eller ett "
     "namn."),
    ("person", r"(?P<who>.+) matches (?P<n>\d+) people, say which: (?P<found>.+)",
     "Person: {who} matchar {n} personer; ange vem (till exempel e-postadressen): {found}"),
    ("person", r"no person with id (?P<id>\d+)", "Person: det finns ingen person med id {id}."),
    ("decided_by", r"a decision names who made it: .*",
     "Ett beslut måste ange vem som fattade det: en person eller en inloggning."),
]  # fmt: skip

# Request validation (pydantic) in Swedish: error type → text; {limit} where there is one.
VALIDATION_SV: dict[str, str] = {
    "missing": "måste fyllas i",
    "string_too_short": "måste fyllas i",
    "string_too_long": "är för lång (högst {limit} tecken)",
    "date_from_datetime_parsing": "är inte ett datum (ÅÅÅÅ-MM-DD)",
    "date_parsing": "är inte ett datum (ÅÅÅÅ-MM-DD)",
    "datetime_from_date_parsing": "är inte en tidpunkt",
    "datetime_parsing": "är inte en tidpunkt",
    "int_parsing": "måste vara ett heltal",
    "enum": "är inte ett av de tillåtna värdena",
    "bool_parsing": "måste vara ja eller nej",
}

# Form fields as the Swedish pages name them, for messages that name a field.
FIELD_LABELS_SV: dict[str, str] = {
    "until": "Återkomsttid",
    "reason": "Skäl",
    "note": "Notering",
    "kind": "Undantag",
    "wanted_from": "Från och med",
    "wanted_to": "Till och med",
    "valid_from": "Gäller från",
    "valid_to": "Gäller till och med",
    "name": "Namn",
    "email": "E-post",
    "password": "Lösenord",
    "username": "Användarnamn",
}
# Where a form calls a field otherwise: the hänvisning's "reason" is an orsak, not a skäl.
FIELD_LABELS_SV_BY_PATH: dict[str, dict[str, str]] = {
    "/absence": {"reason": "Orsak"},
}
