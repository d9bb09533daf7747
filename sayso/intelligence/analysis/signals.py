"""Handcrafted signals of a message: links, spam vocabularies, author names, phrasings.

Plain Python, no model: every signal here is transparent, feeds the trained heads as a
feature, and (for spam) produces the reasons the inbox shows.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from urllib.parse import urlsplit

_URL = re.compile(
    r"(?:https?://|www\.)[^\s<>\"')\]]+"
    r"|\b[a-z0-9][a-z0-9-]{1,62}\.(?:com|net|org|info|biz|xyz|online|shop|site|top|io|co|ru|in"
    r"|de|uk|us|store|club|live|pro|vip|win|bet|casino|loan|click|link)\b(?:/[^\s<>\"')\]]*)?",
    re.IGNORECASE,
)
_WORD = re.compile("[^\\W\\d_]+(?:['\u2019][^\\W\\d_]+)?", re.UNICODE)

# Spam categories: words that make a link's domain or an author name belong to that category.
# Short words match whole tokens only; words of six letters or more also match inside a
# domain ("cheapviagra", "megajackpot"). Only words that a real customer's own site would
# hardly carry are here: a link to such a domain is reason enough to call a comment spam.
SPAM_CATEGORIES: dict[str, tuple[str, tuple[str, ...]]] = {
    "pharmacy": (
        "a pharmacy site",
        (
            "viagra",
            "cialis",
            "levitra",
            "kamagra",
            "tramadol",
            "xanax",
            "ambien",
            "valium",
            "phentermine",
            "propecia",
            "ozempic",
            "pharmacy",
            "pills",
            "meds",
            "rx",
            "noprescription",
            "erectile",
            "sildenafil",
            "tadalafil",
            "oxycodone",
            "adderall",
            "keto",
        ),
    ),
    "seo": (
        "an SEO site",
        (
            "seo",
            "backlink",
            "backlinks",
            "guestpost",
            "followers",
        ),
    ),
    "coupon": (
        "a coupon site",
        (
            "coupon",
            "coupons",
            "promocode",
            "promocodes",
            "voucher",
            "vouchers",
            "cashback",
            "giftcard",
            "giftcards",
            "discountcodes",
        ),
    ),
    "trading": (
        "a trading or investment site",
        ("forex", "fx", "binary", "tradingbot", "cryptobot"),
    ),
    "casino": (
        "a casino or betting site",
        (
            "casino",
            "casinos",
            "slot",
            "slots",
            "poker",
            "bet",
            "betting",
            "jackpot",
            "roulette",
            "gacor",
            "judi",
            "spins",
            "freebet",
        ),
    ),
    "crypto": (
        "a crypto site",
        (
            "bitcoin",
            "btc",
            "crypto",
            "airdrop",
            "nft",
            "presale",
            "memecoin",
            "doubler",
            "giveaway",
            "cloudmining",
        ),
    ),
    "loan": ("a loan site", ("loan", "loans", "payday", "prestamos")),
    "writing": ("an essay-writing site", ("essay", "essays", "assignment", "dissertation")),
    "replica": ("a replica goods site", ("replica", "replicas", "rolex", "rayban")),
    "scam": ("a scam site", ("singles", "spellcaster", "moneyfast", "freeiphone", "makemoney")),
}

# A text that sells something in a spam category ("buy cheap viagra", "free spins").
_SPAM_TEXT = {
    "pharmacy": re.compile(
        r"\b(viagra|cialis|levitra|kamagra|tramadol|xanax|ambien|phentermine|propecia|ozempic"
        r"|sildenafil|tadalafil)\b|\b(online pharmacy|no prescription|without (a )?prescription"
        r"|no rx|cheap meds|pills for men|diet pills)\b",
        re.I,
    ),
    "seo": re.compile(
        r"\b(seo (services?|company|experts?|audits?|packages?)|backlinks?|guest posts?"
        r"|rank(ing)? (#?1|first|higher|top)|first page of google|top rankings"
        r"|buy (real )?(instagram |tiktok |youtube )?(followers|likes|views|reviews)"
        r"|(targeted|real) visitors|traffic bot|web design company|digital marketing agency"
        r"|do-?follow)\b",
        re.I,
    ),
    "coupon": re.compile(
        r"\b(coupon codes?|promo codes?|discount codes?|free (\$\d+ )?gift cards?"
        r"|(free|discount|cash) vouchers?|cashback|\d{2}% off|up to \d{2}% off)\b",
        re.I,
    ),
    "trading": re.compile(
        r"\b(forex|binary options|trading (bot|system|signals)|penny stocks?|passive income"
        r"|expert trader|profits?( daily| weekly| guaranteed)|\d+% daily|recover(ed|y)? (my |your )"
        r"?(lost )?funds)\b",
        re.I,
    ),
    "casino": re.compile(
        r"\b(online casino|free spins|slots?|jackpots?|roulette|poker online|betting tips"
        r"|free bet|no deposit|welcome bonus|slot gacor|casino en ligne)\b",
        re.I,
    ),
    "crypto": re.compile(
        r"\b(airdrop|presale|seed phrase|cloud mining|send (\d|any)[\d.]* ?(btc|bitcoin|eth)"
        r"|double back|\d+x (guaranteed|potential)|bitcoin (doubler|investment)|nft collection)\b",
        re.I,
    ),
    "loan": re.compile(
        r"\b(payday loans?|no credit check|bad credit|loans? at \d|debt relief|need a loan"
        r"|préstamos rápidos)\b",
        re.I,
    ),
    "writing": re.compile(
        r"\b(essay writing|assignment help|dissertation writers?|plagiarism free)\b", re.I
    ),
    "replica": re.compile(
        r"\b(replica (watches|bags|rolex)|cheap jordans|outlet online|\d0% off designer)\b", re.I
    ),
    "scam": re.compile(
        r"\b(work(ing)? from home|\$\d+ (per|an|a) (hour|day|week)|hot singles|love spell"
        r"|spell caster|whats ?app|telegram|make money|get paid|selected to win|claim (here|now"
        r"|your)|private photos)\b",
        re.I,
    ),
}

# Words of a business name (the author field), as opposed to a person's name.
COMMERCIAL_WORDS = frozenset(
    """cheap best buy online deals deal discount services service seo agency company store
    shop outlet sale sales pvt ltd llc inc solutions enterprises consultancy academy
    clinic travels travel marketing digital web design repair cleaning loans loan casino
    pharmacy pills free bonus coupon coupons promo codes code tips expert experts
    official wholesale restoration contractors packers movers insurance quotes hub
    daily logistics interiors gadgets furniture dental hosting bot booster
    rewards mentor coach investment platform trading forex signals crypto bitcoin vpn
    keto supplements weight emergency plumber locksmith roof flights hotels rental
    rentals custom boxes tour safari views followers youtube instagram tiktok replica
    reviews cashback voucher vouchers gift cards jobs money fast quick instant payday
    traffic backlinks backlink rank ranking
    """.split()  # noqa: SIM905 (a word list reads better as text)
)
PLACE_WORDS = frozenset(
    """delhi mumbai bangalore bengaluru pune chennai hyderabad kolkata noida gurgaon india
    dubai uae london uk usa houston dallas chicago york angeles vegas miami toronto
    sydney melbourne singapore karachi lahore manila jakarta indonesia canada australia
    texas california florida
    """.split()  # noqa: SIM905 (a word list reads better as text)
)
_NEAR_ME = re.compile(r"\bnear me\b|24\s*/\s*7", re.I)

# Generic praise: words that carry no content about the product or the thread.
GENERIC_WORDS = frozenset(
    """a an the this that it is was its it's i i'm im we you your yours my me our and so
    such very really truly quite too also just much great good nice awesome amazing
    wonderful excellent fantastic brilliant superb cool fine lovely beautiful perfect
    outstanding informative helpful useful valuable interesting well written write
    writing read reading enjoyed enjoy like liked love loved appreciate appreciated
    thanks thank thx ty for sharing share shared post posts article articles blog blogs
    content information info site website page work job keep it up posting writing more
    such stuff learned learn lot lots bookmark bookmarked will with friends agree of to
    in on at as be been all here there what wow yes good one ones things thing piece
    every day daily admin sir dear hi hello found find via google yahoo bing search searching
    browsing stumbled upon across came come coming back again soon definitely certainly surely
    glad happy i'll i've i'd have has been internet web net return returning regularly regular
    reader visit visiting visited nice post mate guys man dude
    """.split()  # noqa: SIM905 (a word list reads better as text)
)
PRAISE_WORDS = frozenset(
    """great good nice awesome amazing wonderful excellent fantastic brilliant superb cool
    lovely beautiful perfect outstanding informative helpful useful valuable interesting
    enjoyed love loved appreciate thanks thank bookmarked agree
    """.split()  # noqa: SIM905 (a word list reads better as text)
)

# Intent phrasings (features for the heads, and the reasons shown for their labels).
# A question word opening the text or any later sentence ("It crashes. Is a fix coming?").
QUESTION_START = re.compile(
    r"(?:^|[.!?…\n])\s*(?:hi|hello|hey|quick (?:one|question))?[,!:.\s-]*"
    r"(how|what|when|where|why|who|which|can|could|do|does|did|is|are|was|will|would|should"
    r"|any|anyone|has|have|may|¿|est-ce|wie|was|wann|wo|warum|kann|gibt|cómo|qué|cuándo"
    r"|dónde|puedo|tienen|comment|pourquoi|quand|où|vous|posso|come|quando|kan|hoe|waar"
    r"|wanneer|vocês|como)\b",
    re.I,
)
PURCHASE = re.compile(
    r"\b(looking (to|for|into) (buy|rent|lease|purchase|get|book|order|upgrade|a quote|renting"
    r"|buying)|how much (for|is|does|would|to|will)|(send|get|give|need|want|like|request)"
    r" (me |us )?(a |an )?(quote|proposal|pricing|price|demo|offer|devis|presupuesto|angebot"
    r"|offerte|orçamento)|quote|pricing|\b\d+ (more )?(seats|licen[cs]es|lines|users|agents"
    r"|trucks|vans|laptops|phones)\b|ready to (buy|order|sign|switch|upgrade|renew|purchase)"
    r"|(want|like|wish|need|plan(ning)?|going) to (buy|rent|book|order|purchase|reserve|lease"
    r"|sign up|upgrade|add|switch|move|hire)|i'?ll take|(reserve|book) (me |a |the )"
    r"|budget (is )?approved|pre-?order|in stock|interested in|need (a|an|two|\d+) |can i get"
    r"|what would .{0,40} cost|volume pricing|bulk|quiero (alquilar|contratar|comprar)"
    r"|necesitamos|je souhaite|ich möchte|wir möchten|vorrei|gostaria|ik wil graag)",
    re.I,
)
COMPETITOR = re.compile(
    r"\b(switch(ed|ing)? (to|from|back)|mov(e|ed|ing) (to|from|off|over from)|leav(e|ing)"
    r" \w+|left \w+ for|compared (to|with)|comparing|compare|(does|do|did) (it|this|that|chat"
    r"|reporting|\w+) (way |much |a lot |so much )?better|better than|cheaper than|faster than"
    r"|instead|benchmark(ed)?|evaluat(e|ed|ing)|trialling|trialing|quoted me|price ?match(ed)?"
    r"|same (price|plan|product|offer|brand|item|tv|lamp|cable)"
    r"|than yours|like (the )?\w+ does|me voy a cambiar|chez|bei der|con \w+ pagavo|vengo de"
    r"|en \w+ el mismo)\b",
    re.I,
)
# A brand doing something ("Penske has…", "Walmart+ includes…"): a capitalized name that is
# not an ordinary sentence opener, followed by a verb of offering.
BRAND_VERB = re.compile(
    r"\b(?!(?:I|It|This|That|The|My|Your|We|You|He|She|They|There|Our|What|Which|Who|Why|How"
    r"|When|Where|Do|Does|Is|Are|Can|Could|Would|Will|Please|Thanks|Thank|Just|Also|And|But|So"
    r"|If|Since|After|Every|Each|Someone|Nobody|Anyone|Everyone|A|An|Hi|Hello|Hey)\b)"
    r"[A-Z][\w&+'-]*(?: [A-Z][\w&+'-]*)? (has|have|had|offers?|offered|gives?|gave|includes?"
    r"|lets?|does|did|is (offering|advertising|giving)|just|quoted|shows?|delivers?|ships?"
    r"|covers?|handles?|makes?|provides?)\b"
)
IDEA = re.compile(
    r"\b(would (be|love)|it'?d be|(please|pls|could you|can you|you should|why not|maybe) "
    r"(add|offer|let|make|support|provide|put|bring|allow|consider|stock|copy|open|give|have)"
    r"|feature (request|idea)|suggest(ion)?|idea|wish|how about|consider|proposal|request:"
    r"|would help|might help|it would|should (offer|add|have|build|do)|sería|deberían"
    r"|ce serait|pourriez|es wäre|bitte .{0,30}einbauen|seria ótimo|sarebbe|zou fijn)\b",
    re.I,
)


def normalize(text: str) -> str:
    """The text for exact-duplicate comparison: NFKC, case-folded, links kept, punctuation
    and spacing dropped."""
    text = unicodedata.normalize("NFKC", text).casefold()
    return " ".join(re.findall(r"\w+", text))


def links(text: str) -> list[str]:
    return [match.group(0).rstrip(".,;:!?") for match in _URL.finditer(text or "")]


def domain_of(url: str) -> str:
    url = url.strip()
    if not url:
        return ""
    if "://" not in url:
        url = "http://" + url
    try:
        host = urlsplit(url).hostname or ""
    except ValueError:
        return ""
    return host.removeprefix("www.")


def _domain_words(domain: str) -> tuple[set[str], str]:
    # The name part without the top-level domain: "cheap-viagra-pills.co.uk" → words + joined.
    parts = domain.split(".")
    name = ".".join(parts[:-1]) if len(parts) > 1 else domain
    words = {w for w in re.split(r"[^a-z0-9]+", name.lower()) if w}
    words.update(re.findall(r"[a-z]+", name.lower()))
    return words, re.sub(r"[^a-z]", "", name.lower())


_WELL_KNOWN_HOSTS = frozenset(
    """github.com gist.github.com gitlab.com twitter.com x.com mastodon.social medium.com
    imgur.com youtube.com youtu.be bsky.app linkedin.com facebook.com instagram.com
    wikipedia.org google.com docs.google.com drive.google.com dropbox.com
    """.split()  # noqa: SIM905 (a word list reads better as text)
)


def domain_categories(domain: str) -> list[str]:
    """Spam categories a link's domain belongs to, judged by the words in its name."""
    if not domain or domain in _WELL_KNOWN_HOSTS or domain.endswith(".medium.com"):
        return []
    words, joined = _domain_words(domain)
    found = []
    for category, (_, vocabulary) in SPAM_CATEGORIES.items():
        for word in vocabulary:
            if word in words or (len(word) >= 6 and word in joined):
                found.append(category)
                break
    return found


def text_categories(text: str) -> list[str]:
    return [category for category, pattern in _SPAM_TEXT.items() if pattern.search(text)]


def words(text: str) -> list[str]:
    return [w.casefold() for w in _WORD.findall(text or "")]


def words_outside_links(text: str) -> list[str]:
    return words(_URL.sub(" ", text or ""))


@dataclass
class AuthorSignals:
    commercial_words: int = 0
    place_words: int = 0
    word_count: int = 0
    categories: list[str] = field(default_factory=list)

    @property
    def is_commercial(self) -> bool:
        return self.commercial_words >= 1 or bool(self.categories)

    def is_stuffed(self, has_link: bool) -> bool:
        """A name made of search keywords ("Best Cheap Viagra Online", "SEO Services Delhi",
        "Plumber Near Me 24/7"), with a link to rank."""
        if not has_link or self.word_count < 2:
            return False
        strength = self.commercial_words + self.place_words + (2 if self.categories else 0)
        return strength >= 2 and (self.word_count >= 3 or self.commercial_words >= 2)


_COMPANY_SUFFIX = re.compile(
    r"\b(pvt|ltd|llc|inc|gmbh|corp|co\.|company|enterprises|solutions|services|agency"
    r"|consultancy|store|shop|outlet)\b",
    re.I,
)


def author_signals(author: str) -> AuthorSignals:
    tokens = words(author)
    commercial = sum(1 for w in tokens if w in COMMERCIAL_WORDS or w in KEYWORD_WARES)
    if _NEAR_ME.search(author or ""):
        commercial += 1
    if _COMPANY_SUFFIX.search(author or ""):
        commercial = max(commercial, 1)
    places = sum(1 for w in tokens if w in PLACE_WORDS)
    categories = text_categories(author or "")
    for category, (_, vocabulary) in SPAM_CATEGORIES.items():
        if category in {"seo", "coupon", "scam", "trading", "loan"}:
            continue  # too common in ordinary words ("rank", "cash", "money"): commercial only
        if any(w in vocabulary for w in tokens) and category not in categories:
            categories.append(category)
    return AuthorSignals(commercial, places, len(tokens), categories)


def generic_praise(text: str) -> bool:
    """Praise with no content: every word is generic ("great blog, keep it up!"). Links are
    not words: "Great post! http://…" is generic praise (with a link)."""
    tokens = words_outside_links(text)
    if not tokens or len(tokens) > 16:
        return False
    return all(w in GENERIC_WORDS for w in tokens) and any(w in PRAISE_WORDS for w in tokens)


def is_substantive(text: str) -> bool:
    """Long enough that the same text from two people is not a coincidence."""
    return len(words(text)) >= 6 and len(text.strip()) >= 30


# Signals of the spam every public board, phone and video gets (learnt from the real SMS and
# YouTube collections, see ``analysis/spam.py``): each one names what it saw.
SELF_PROMOTION = re.compile(
    r"\b(check(ing)? (out )?(my|our|me|us)\b|(visit|watch|view|join|support) (my|our)\b"
    r"|(my|our) (new |own )?(youtube |music |gaming )?(channel|chanel|vids?|videos?|songs?"
    r"|music|mixtape|page|website|band|rap|covers?|album|stream|shop|store|app)\b"
    r"|sub(scribe|scribing)? (to )?(me|my|us|our)\b|(please|pls|plz|and) subscribe\b|sub4sub"
    r"|sub back|follow (me|us|back)|(like|thumbs up) (this|my) comment|like and subscribe"
    r"|please (like|share|support|sub)\b|give (me|us|it) a (chance|try|listen)"
    r"|leave a (like|comment)|check (this|it) out"
    # Pointing at someone's media ("Check out this video on YouTube", "check out the new hot
    # video by …", "take a look at my…"), asking for views, a new youtuber, getting known fast.
    r"|check(ing)? out (this|the|his|her|their|these)( new| latest| hot| awesome| great| cool)*"
    r" (video|channel|chanel|song|track|music|mixtape|page|site|website|vid|album|cover)s?\b"
    r"|(take|have) a look at (this|my|his|her) (video|channel|song|track|page|site)"
    r"|(get|getting|need|gain) (more |some |a few )?(views|subs|subscribers|followers)\b"
    r"|(i'?m|i am) (getting|becoming) (popular|known|famous|noticed)\b"
    r"|\bnew (youtuber|to youtube|rapper|artist|singer)\b)",
    re.I,
)
# Pointing readers at something or someone: "Go check out eminem survival", "check out
# LEANDRUS - PLAYTIME", "you NEED to check out this guy" (not "check out with leo" at a hotel).
CHECK_OUT = re.compile(
    r"\bcheck(ing)? (['\u2019]?em |them |it |this |that )?out\b"
    r"(?! (with|of|at|by|early|late|time))",
    re.I,
)
# A call to act on a number or a site: "call 09061…", "text WIN to 80086", "reply YES",
# "click here", "go to www…", "sign up".
CALL_TO_ACTION = re.compile(
    r"\b((call|ring|phone|dial) (free|us on|our|\+?0\d{3}|\+?\d{5,})"
    r"|(text|txt|send|reply|sms)(ing)?\b[^\n]{0,40}?\b(to|on) \+?\d{4,}"
    r"|reply (with )?(yes|stop|no|win|now|\w+ to)"
    r"|click (here|the|this|on)|(go|log|head) (to|on) (my|our|this|www|http)"
    r"|sign ?up (now|here|today|free|at)"
    r"|register (now|here|today|free)|opt ?(in|out)\b|to (claim|redeem|unsubscribe)"
    r"|to stop (texts|msgs|messages|receiving|txt)|call ?2 ?optout|(visit|see) (www|http)"
    r"|download (it )?now)",
    re.I,
)
PRIZE = re.compile(
    "\\b(winners?|won(?!['\u2019]t)|win|prizes?|claim(ed|ing)?|rewards?|congrat(ulation)?s"
    r"|selected|awarded|guaranteed|free entry|jackpot|bonus|cash|vouchers?|gift ?cards?"
    r"|giveaway|lucky|urgent"
    r"|exclusive|chosen|(free|new) (phone|mobile|camera|ipod|ipad|iphone|nokia|minutes|mins"
    r"|texts?|msgs?|ringtones?|tones?|membership|trial|gift|holiday|tickets?))\b",
    re.I,
)
# Premium-rate and freephone-style numbers (UK 09…, 087…, 0845…), short codes a message asks
# to text (4 to 6 digits after "text/txt/send … to"), and prices per message or minute.
PREMIUM_NUMBER = re.compile(
    r"(?<!\d)(09\d{8,9}|087\d{7,9}|084[45]\d{7}|0800\d{6,7}|070\d{8})(?!\d)", re.I
)
SHORT_CODE = re.compile(
    r"\b(text|txt|send|reply|sms|msg|to|call)\b[^.\n]{0,20}?(?<![\d£$€.,:])\b([6-8]\d{4}"
    r"|\d{5}(?=\b.{0,20}\b(now|stop|win|free))|8\d{3})\b(?![\d,:/]|\.\w)",
    re.I,
)
RATE = re.compile(
    r"(\d+(\.\d+)?p\b|£\d+(\.\d+)?)\s?(/|per )\s?(min|msg|minute|message|wk|week|tone|sms|text"
    r"|mnth|month|day)|\b\d{2,3}p ?(/|per)? ?(msg|min|pm)\b|\bnat(ional)? rate|\bstd (txt )?rate"
    r"|\bt ?& ?c'?s?\b|\b18\+|\b16\+|\bpobox|\bpo box",
    re.I,
)
PHONE = re.compile(r"(?<![\w/=.-])\+?\d(?:[ -]?\d){9,13}(?![\w/=-])")
MONEY = re.compile(
    r"[$€£]\s?\d[\d,.]*\s?(k|m|million|thousand)?|\b\d[\d,.]*\s?(usd|eur|gbp|dollars|pounds"
    r"|euros|bucks|btc)\b",
    re.I,
)


@dataclass
class PitchSignals:
    """What a message sells and how it asks to be answered."""

    self_promotion: bool
    # the words of self-promotion that is never a reply ("sub to my channel"), or ""
    channel_promotion: str
    call_to_action: bool
    check_out: bool
    prize: int
    premium_numbers: list[str]
    short_codes: list[str]
    rates: bool
    phones: int
    money: bool


# An account named in a post ("@support", "@dana@truckers.social"): a name, not words — "@support
# my truck never came" neither asks to support anyone nor praises.
HANDLE = re.compile(r"(?<![\w.])@[\w.-]+(?:@[\w.-]+)?")


def without_handles(text: str) -> str:
    """``text`` with the accounts it names blanked out (e-mail addresses are kept)."""
    return HANDLE.sub(" ", text or "")


# Any host name followed by a path ("bit.ly/win500", "t.co/x"), beside ``_URL``'s forms.
_HOST_AND_PATH = re.compile(r"\b[a-z0-9-]+(?:\.[a-z0-9-]+)*\.[a-z]{2,}/[^\s<>\"')\]]*", re.I)


def without_handles_or_links(text: str) -> str:
    """``text`` with the accounts and links it names blanked out: what its own words say
    ("bit.ly/…" praises nothing)."""
    return _HOST_AND_PATH.sub(" ", _URL.sub(" ", without_handles(text)))


# Runs of dots, dashes, stars… between words, which spam uses to slip past word filters
# ("....subscribe......  ......to my........ channel").
_SPACED_OUT = re.compile(r"(?<=\w)[\s.\-_*~,:|]{2,}(?=\w)")


def promotion_text(text: str) -> str:
    """``text`` as the promotion patterns read it: no handles, word-hiding runs of
    punctuation made one space."""
    return _SPACED_OUT.sub(" ", without_handles(text))


def pitch_signals(text: str) -> PitchSignals:
    text = text or ""
    promoted = promotion_text(text)
    channel = CHANNEL_PROMOTION.search(promoted)
    return PitchSignals(
        self_promotion=bool(SELF_PROMOTION.search(promoted)),
        channel_promotion=channel.group(0) if channel else "",
        call_to_action=bool(CALL_TO_ACTION.search(text)),
        check_out=bool(CHECK_OUT.search(promoted)),
        prize=len({m.group(0).casefold() for m in PRIZE.finditer(text)}),
        premium_numbers=[m.group(1) for m in PREMIUM_NUMBER.finditer(text.replace(" ", ""))],
        short_codes=[m.group(2) for m in SHORT_CODE.finditer(text)],
        rates=bool(RATE.search(text)),
        phones=len(PHONE.findall(text)),
        money=bool(MONEY.search(text)),
    )


# Self-promotion that is never a reply to anyone: asking for subscribers, likes or visits to
# the writer's own channel ("sub to my channel", "like this comment if…", "thumbs up if…").
CHANNEL_PROMOTION = re.compile(
    r"\b(sub(scribe|scribing)?( back)? (to )?(me|my|us|our)\b|sub ?4 ?sub|subscribe back"
    # misspelt on purpose or not: "sucscribe to me", "subcribe to my channel"
    r"|su\w{0,3}cri\w{0,4} (to )?(me|my)\b"
    # a subscriber goal: "if i reach 100 subscribers i will…", "at 500 subscribers i'm…"
    r"|(if|when|once|at) (i )?((reach|get|hit|have) )?\d[\d,.]*k? ?(subs|subscribers|followers)\b"
    r"|help me (reach|get) (my goal|\d+|more)|reach my goal|sorry (for|about) (the |this |my )?spam"
    r"|(please|pls|plz) (like|sub)\w* (and|&) (sub|share|like)"
    r"|check(ing)? (out )?(my|our) (new |own )?(youtube |music |gaming )?(channel|chanel|vids?"
    r"|videos?|songs?|music|mixtape|covers?|album|page)\b|(like|thumbs up) (this|my) comment"
    r"|give (it|this|me) a (like|thumbs up)"
    r"|(follow|add) me (on|at) (twitter|instagram|ig|facebook|fb|tumblr|soundcloud|snapchat))",
    re.I,
)
# Link markup of another forum or of a raw page ("[url=http://…]cheap pills[/url]",
# '<a href="http://…">'): a person typing into a comment box does not write it; a spam tool
# posting everywhere does.
LINK_MARKUP = re.compile(r"\[url\s*=|\[link\s*=|\[/url\]|<a\s+href\s*=", re.I)
# Names of the wares keyword spam sold on blogs (2005 onwards), for author names.
KEYWORD_WARES = frozenset(
    """mortgage mortgages insurance ugg uggs jerseys handbags vuitton chanel gucci wedding
    dresses acne ringtones dating escort escorts porn sex toys cigarettes ecigarette vape
    lawyer attorney dui replica watches viagra cialis levitra pharmacy casino poker payday
    refinance credit debt hosting seo tramadol xanax phentermine diet loss hair forex""".split()  # noqa: SIM905
)
