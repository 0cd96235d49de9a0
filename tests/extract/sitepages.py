"""A generated set of official-looking pages in several languages and scripts, with gold values.

Each `Site` is a made-up ministry, embassy or presidency site with its own habits: where its
name sits in `<title>` (after or before the headline, after a section label, not at all), the
separator it uses (`|`, `—`, `｜`, `_`, `»`, …), whether the headline is an `<h1>`, only the
`<title>`, or an `<h2>` under a brand `<h1>`, how the date is given (meta tags, `<time>`, a
dateline, "delivered on" in the first lines, a date line in the local format) and whether a
newer "last updated" date is on the page too. Every site renders every statement of its
language, so the set is `sites × statements`; the gold values are the statement's own.

`split(pages)` separates the sites that rules were written against (dev) from those kept out
(held-out): a site's pages are all on one side.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from html import escape

MONTHS = {
    "en": "January February March April May June July August September October November December",
    "fr": "janvier février mars avril mai juin juillet août septembre octobre novembre décembre",
    "de": "Januar Februar März April Mai Juni Juli August September Oktober November Dezember",
    "es": "enero febrero marzo abril mayo junio julio agosto septiembre octubre noviembre"
    " diciembre",
    "ru": "января февраля марта апреля мая июня июля августа сентября октября ноября декабря",
    "ar": "يناير فبراير مارس أبريل مايو يونيو يوليو أغسطس سبتمبر أكتوبر نوفمبر ديسمبر",
}


def local_date(lang: str, d: date) -> str:
    """Write `d` the way a site in `lang` writes a date line."""
    if lang in ("zh", "ja"):
        return f"{d.year}年{d.month}月{d.day}日"
    month = MONTHS[lang].split()[d.month - 1]
    return {
        "en": f"{d.day} {month} {d.year}",
        "fr": f"{d.day} {month} {d.year}",
        "de": f"{d.day}. {month} {d.year}",
        "es": f"{d.day} de {month} de {d.year}",
        "ru": f"{d.day} {month} {d.year} года",
        "ar": f"{d.day} {month} {d.year}",
    }[lang]


@dataclass(frozen=True)
class Item:
    """One statement: its headline, its own date and its paragraphs."""

    headline: str
    day: date
    paragraphs: tuple[str, ...]


@dataclass(frozen=True)
class Site:
    """How one site lays out its pages."""

    host: str
    name: str
    lang: str
    title: str  # "suffix", "prefix", "section", "bare", "clean-og"
    sep: str
    heading: str  # "h1", "none", "brand-h1"
    dated: str  # "meta", "time", "dateline", "date-line", "delivered", "updated-later"
    section: str = ""
    og_site_name: bool = False
    lang_attr: str | None = "same"
    held_out: bool = False
    late: bool = False
    """Written after the title and date rules were, and not used to change them."""


@dataclass(frozen=True)
class Page:
    """A generated page and what extraction should find in it."""

    name: str
    url: str
    html: bytes
    title: str
    date: date
    language: str
    held_out: bool
    late: bool = False


ITEMS: dict[str, tuple[Item, ...]] = {
    "en": (
        Item(
            "Statement by the Minister on the ceasefire in the region",
            date(2023, 9, 20),
            (
                "The Minister welcomes the ceasefire agreed yesterday and calls on all parties to"
                " respect it fully and without delay.",
                "Humanitarian access must be restored at once, and the displaced must be able to"
                " return to their homes in safety and dignity.",
                "The Government stands ready to support a lasting settlement through dialogue.",
            ),
        ),
        Item(
            "Joint Statement: India and France on maritime cooperation",
            date(2022, 5, 4),
            (
                "The two sides reaffirmed their commitment to a free, open and inclusive"
                " Indo-Pacific region based on international law.",
                "They agreed to deepen cooperation on maritime domain awareness, search and"
                " rescue, and the protection of undersea infrastructure.",
            ),
        ),
        Item(
            "Remarks at the Security Council open debate on climate and security",
            date(2021, 2, 23),
            (
                "Thank you, Madam President, for convening this timely debate on a threat that"
                " multiplies every other threat before this Council.",
                "Rising seas and failing harvests are already driving conflict and displacement"
                " in many of the regions on our agenda.",
                "We urge the Council to integrate climate risk into every mandate it renews.",
            ),
        ),
    ),
    "fr": (
        Item(
            "Déclaration du porte-parole sur la situation au Sahel",
            date(2023, 3, 14),
            (
                "La France condamne avec la plus grande fermeté l'attaque perpétrée hier contre"
                " des civils dans la région des trois frontières.",
                "Elle présente ses sincères condoléances aux familles des victimes et réaffirme"
                " sa solidarité avec les populations touchées.",
            ),
        ),
        Item(
            "Union européenne – Conclusions du Conseil des affaires étrangères",
            date(2022, 11, 14),
            (
                "Les ministres ont adopté des conclusions sur le soutien de l'Union européenne à"
                " l'Ukraine et sur la situation dans les Balkans occidentaux.",
                "Ils sont également convenus de renforcer la coopération avec les pays du"
                " voisinage méridional en matière de migration.",
            ),
        ),
        Item(
            "Discours du ministre à l'occasion de la conférence des ambassadeurs",
            date(2021, 9, 1),
            (
                "Mesdames et messieurs les ambassadeurs, je suis heureux de vous retrouver pour"
                " cette conférence qui ouvre notre année diplomatique.",
                "Notre diplomatie doit défendre nos intérêts et nos valeurs dans un monde où la"
                " compétition entre puissances s'accélère.",
            ),
        ),
    ),
    "de": (
        Item(
            "Außenministerin verurteilt Angriff auf Hilfskonvoi",
            date(2023, 6, 2),
            (
                "Die Bundesregierung verurteilt den Angriff auf den Hilfskonvoi der Vereinten"
                " Nationen auf das Schärfste.",
                "Wer humanitäre Helferinnen und Helfer angreift, verstößt gegen das humanitäre"
                " Völkerrecht und muss zur Rechenschaft gezogen werden.",
            ),
        ),
        Item(
            "Gemeinsame Erklärung der Außenminister Deutschlands und Polens",
            date(2022, 8, 29),
            (
                "Die Außenminister Deutschlands und Polens haben sich heute in Warschau zu"
                " Gesprächen über die europäische Sicherheit getroffen.",
                "Beide Seiten bekräftigen ihre Unterstützung für die Souveränität und die"
                " territoriale Unversehrtheit der Ukraine.",
            ),
        ),
        Item(
            "Rede des Bundespräsidenten zum Tag der Deutschen Einheit",
            date(2021, 10, 3),
            (
                "Liebe Mitbürgerinnen und Mitbürger, heute feiern wir den Tag, an dem unser Land"
                " wieder zusammengefunden hat.",
                "Die Einheit ist kein Zustand, den wir einmal erreicht haben, sondern eine"
                " Aufgabe, die jede Generation neu annehmen muss.",
            ),
        ),
    ),
    "es": (
        Item(
            "Comunicado del Ministerio sobre las elecciones en Venezuela",
            date(2024, 7, 30),
            (
                "El Gobierno de España ha tomado nota de los resultados anunciados por el"
                " Consejo Nacional Electoral de Venezuela.",
                "España pide la publicación de las actas de todas las mesas electorales para"
                " garantizar la plena transparencia del proceso.",
            ),
        ),
        Item(
            "El ministro se reúne con su homólogo marroquí en Rabat",
            date(2023, 2, 2),
            (
                "El ministro de Asuntos Exteriores ha mantenido hoy en Rabat una reunión de"
                " trabajo con su homólogo marroquí.",
                "Ambos ministros han repasado la agenda bilateral y la cooperación en materia"
                " migratoria, económica y cultural.",
            ),
        ),
        Item(
            "Declaración conjunta de España y Portugal sobre la cumbre ibérica",
            date(2022, 10, 29),
            (
                "Los Gobiernos de España y Portugal celebraron en Viana do Castelo la XXXIII"
                " Cumbre Luso-Española.",
                "Ambas partes acordaron impulsar las interconexiones energéticas y la"
                " cooperación transfronteriza.",
            ),
        ),
    ),
    "ru": (
        Item(
            "Заявление МИД России в связи с годовщиной принятия резолюции СБ ООН",
            date(2023, 12, 22),
            (
                "Российская сторона напоминает, что резолюция Совета Безопасности ООН остаётся"
                " обязательной для исполнения всеми государствами.",
                "Мы призываем все заинтересованные стороны к конструктивному диалогу на основе"
                " международного права.",
            ),
        ),
        Item(
            "О телефонном разговоре Министра иностранных дел с Министром иностранных дел Турции",
            date(2022, 3, 5),
            (
                "Состоялся телефонный разговор министров иностранных дел России и Турции.",
                "Министры обсудили ситуацию на Украине и перспективы возобновления переговоров"
                " между делегациями двух стран.",
            ),
        ),
        Item(
            "Выступление Постоянного представителя на заседании Совета Безопасности",
            date(2021, 4, 19),
            (
                "Уважаемый господин Председатель, благодарим вас за организацию сегодняшнего"
                " заседания.",
                "Мы внимательно ознакомились с докладом Генерального секретаря и хотели бы"
                " высказать несколько соображений.",
            ),
        ),
    ),
    "zh": (
        Item(
            "王毅：中方愿同各方一道推动政治解决乌克兰危机",
            date(2023, 2, 18),
            (
                "2月18日，中共中央政治局委员、中央外事工作委员会办公室主任王毅在慕尼黑安全会议上发表主旨讲话。",
                "王毅表示，中方始终站在和平一边，坚持劝和促谈，愿同各方一道推动政治解决危机。",
                "王毅强调，对话谈判是解决争端的唯一可行出路。",
            ),
        ),
        Item(
            "外交部发言人就日本福岛核污染水排海答记者问",
            date(2023, 8, 24),
            (
                "问：日方今天启动福岛核污染水排海，中方对此有何评论？",
                "答：日本政府无视国际社会的强烈质疑和反对，单方面强行启动福岛核事故污染水排海，中方对此表示坚决反对和强烈谴责。",
            ),
        ),
        Item(
            "中华人民共和国和法兰西共和国联合声明",
            date(2023, 4, 7),
            (
                "应法兰西共和国总统马克龙邀请，中华人民共和国主席习近平于2023年4月5日至7日对法国进行国事访问。",
                "双方愿继续深化全面战略伙伴关系，加强在气候变化、生物多样性和全球卫生等领域的合作。",
            ),
        ),
    ),
    "ar": (
        Item(
            "بيان وزارة الخارجية بشأن الأوضاع في السودان",
            date(2023, 4, 16),
            (
                "تتابع وزارة الخارجية باهتمام بالغ وقلق شديد تطورات الأوضاع في جمهورية السودان"
                " الشقيقة.",
                "وتدعو الوزارة جميع الأطراف إلى ضبط النفس وتغليب لغة الحوار والحفاظ على أرواح"
                " المدنيين ومقدرات الشعب السوداني.",
            ),
        ),
        Item(
            "وزير الخارجية يستقبل سفير جمهورية ألمانيا الاتحادية",
            date(2022, 12, 6),
            (
                "استقبل وزير الخارجية اليوم في مقر الوزارة سفير جمهورية ألمانيا الاتحادية لدى"
                " المملكة.",
                "وجرى خلال الاستقبال استعراض العلاقات الثنائية بين البلدين وسبل تعزيزها في"
                " مختلف المجالات.",
            ),
        ),
        Item(
            "كلمة المندوب الدائم أمام الجمعية العامة للأمم المتحدة",
            date(2021, 9, 25),
            (
                "السيد الرئيس، يسعدني في البداية أن أهنئكم على انتخابكم رئيسا للدورة الحالية"
                " للجمعية العامة.",
                "إن بلادي تؤكد التزامها الراسخ بمبادئ ميثاق الأمم المتحدة وبالعمل متعدد"
                " الأطراف لمواجهة التحديات المشتركة.",
            ),
        ),
    ),
    "ja": (
        Item(
            "日・ASEAN外相会議の開催",
            date(2023, 7, 13),
            (
                "7月13日、インドネシアのジャカルタにおいて日・ASEAN外相会議が開催され、外務大臣が出席しました。",
                "外務大臣は、自由で開かれたインド太平洋の実現に向けて、ASEANとの協力を一層強化していく考えを述べました。",
            ),
        ),
        Item(
            "外務大臣談話：ミャンマー情勢について",
            date(2022, 2, 1),
            (
                "ミャンマーにおいて国軍によるクーデターが発生してから1年が経過しました。",
                "我が国は、ミャンマー国軍に対し、暴力の即時停止、被拘束者の解放及び民主的な政治体制の早期回復を改めて強く求めます。",
            ),
        ),
    ),
}

SITES: tuple[Site, ...] = (
    Site("mfa.example-gov.org", "Ministry of Foreign Affairs of the Republic of Norland", "en",
         "suffix", " — ", "none", "date-line"),
    Site("www.gov.example.uk", "Foreign Office", "en", "section", " | ", "h1", "meta",
         section="News", og_site_name=True),
    Site("un.example-mission.org", "Permanent Mission of Norland to the United Nations", "en",
         "prefix", " - ", "h1", "delivered", held_out=True),
    Site("presidency.example.int", "Office of the President", "en", "suffix", " :: ",
         "brand-h1", "updated-later", lang_attr=None, held_out=True),
    Site("diplomatie.example.fr", "France Diplomatie", "fr", "suffix", " - ", "h1", "time",
         og_site_name=True),
    Site("www.elysee.example", "Élysée", "fr", "bare", "", "h1", "dateline", held_out=True),
    Site("www.auswaertiges-amt.example", "Auswärtiges Amt", "de", "suffix", " - ", "h1",
         "date-line", lang_attr="en"),
    Site("www.bundesregierung.example", "Die Bundesregierung", "de", "section", " | ", "none",
         "meta", section="Aktuelles", held_out=True),
    Site("www.exteriores.example.es", "Ministerio de Asuntos Exteriores, Unión Europea y"
         " Cooperación", "es", "prefix", " - ", "h1", "date-line"),
    Site("www.cancilleria.example.ar", "Cancillería", "es", "suffix", " | ", "none", "time",
         held_out=True),
    Site("www.mid.example.ru", "Министерство иностранных дел Российской Федерации", "ru",
         "suffix", " - ", "h1", "date-line"),
    Site("www.kremlin.example.ru", "Президент России", "ru", "suffix", " • ", "none",
         "dateline", og_site_name=True, held_out=True),
    Site("russiaun.example.ru", "Постоянное представительство России при ООН", "ru",
         "section", " » ", "h1", "updated-later", section="Выступления"),
    Site("www.fmprc.example.cn", "中华人民共和国外交部", "zh", "suffix", "_", "h1", "date-line"),
    Site("www.gov.example.cn", "中国政府网", "zh", "suffix", "｜", "none", "meta",
         og_site_name=True, held_out=True),
    Site("cn.embassy.example.cn", "中华人民共和国驻某国大使馆", "zh", "prefix", " - ", "h1",
         "time", lang_attr=None),
    Site("www.mofa.example.sa", "وزارة الخارجية", "ar", "suffix", " | ", "h1", "date-line"),
    Site("www.mofa.example.ae", "وزارة الخارجية والتعاون الدولي", "ar", "prefix", " - ",
         "none", "meta", held_out=True),
    Site("www.mofa.example.jp", "外務省", "ja", "suffix", "｜", "h1", "date-line"),
    Site("www.kantei.example.jp", "首相官邸ホームページ", "ja", "section", " | ", "h1", "time",
         section="報道発表", held_out=True),
    # written after the rules: new title and date habits, not used to change the rules
    Site("www.gov.example.uk", "GOV.UK", "en", "domain", " - ", "h1", "pub-upd", late=True),
    Site("mfa.example.ie", "Department of Foreign Affairs", "en", "crumbs", " » ", "div",
         "slash", section="News", late=True),
    Site("www.state.example.gov", "U.S. Department of State", "en", "suffix", " - ", "h1",
         "abbr", og_site_name=True, late=True),
    Site("www.mfa.example.kz", "MFA", "ru", "acronym", " | ", "h1", "clock", late=True),
    Site("www.bmz.example.de", "BMZ", "de", "acronym", " | ", "h1", "pub-upd",
         lang_attr=None, late=True),
    Site("www.diplomatie.example.be", "SPF Affaires étrangères", "fr", "crumbs", " > ", "h1",
         "pub-upd", section="Actualités", late=True),
    Site("www.sre.example.mx", "Secretaría de Relaciones Exteriores", "es", "suffix", " | ",
         "div", "clock", lang_attr="en", late=True),
    Site("www.mfa.example.cn", "外交部", "zh", "suffix", " - ", "div", "label", late=True),
    Site("www.china-embassy.example.org", "中华人民共和国驻某国大使馆", "zh", "crumbs", " > ",
         "h1", "label", section="使馆新闻", late=True),
    Site("www.mofa.example.qa", "وزارة الخارجية - دولة قطر", "ar", "suffix", " | ", "h1",
         "label", late=True),
    Site("www.mofaic.example.ae", "وزارة الخارجية", "ar", "crumbs", " - ", "div", "clock",
         section="الأخبار", late=True),
    Site("www.mofa.example.go.jp", "外務省", "ja", "prefix", "：", "h1", "label", late=True),
)  # fmt: skip

CHROME = {
    "en": ("Home", "News", "Press releases", "Speeches", "About us", "Contact", "Share", "Print",
           "Last updated", "All rights reserved"),
    "fr": ("Accueil", "Actualités", "Communiqués", "Discours", "Le ministère", "Contact",
           "Partager", "Imprimer", "Mis à jour le", "Tous droits réservés"),
    "de": ("Startseite", "Aktuelles", "Pressemitteilungen", "Reden", "Über uns", "Kontakt",
           "Teilen", "Drucken", "Aktualisiert am", "Alle Rechte vorbehalten"),
    "es": ("Inicio", "Actualidad", "Comunicados", "Discursos", "El ministerio", "Contacto",
           "Compartir", "Imprimir", "Actualizado el", "Todos los derechos reservados"),
    "ru": ("Главная", "Новости", "Заявления", "Выступления", "О министерстве", "Контакты",
           "Поделиться", "Печать", "Обновлено", "Все права защищены"),
    "zh": ("首页", "新闻", "声明公报", "讲话", "机构设置", "联系我们", "分享", "打印", "更新时间",
           "版权所有"),
    "ar": ("الرئيسية", "الأخبار", "البيانات", "الكلمات", "عن الوزارة", "اتصل بنا", "مشاركة",
           "طباعة", "آخر تحديث", "جميع الحقوق محفوظة"),
    "ja": ("ホーム", "ニュース", "報道発表", "演説", "省について", "お問い合わせ", "共有",
           "印刷", "更新日", "著作権"),
}  # fmt: skip

MORE = {
    "en": ("We will continue to work closely with our partners in the region and in the United"
           " Nations to achieve this goal.", "The international community must remain united in"
           " its support for a peaceful and lasting solution.", "Our country remains committed to"
           " multilateralism and to the rule of law in international relations."),
    "fr": ("Nous continuerons à travailler étroitement avec nos partenaires de la région et au"
           " sein des Nations unies.", "La communauté internationale doit rester unie dans son"
           " soutien à une solution pacifique et durable.", "Notre pays reste attaché au"
           " multilatéralisme et au respect du droit international."),
    "de": ("Wir werden weiterhin eng mit unseren Partnern in der Region und in den Vereinten"
           " Nationen zusammenarbeiten.", "Die internationale Gemeinschaft muss in ihrer"
           " Unterstützung für eine friedliche und dauerhafte Lösung geeint bleiben.", "Unser"
           " Land bleibt dem Multilateralismus und dem Völkerrecht verpflichtet."),
    "es": ("Seguiremos trabajando estrechamente con nuestros socios de la región y en el marco"
           " de las Naciones Unidas.", "La comunidad internacional debe mantenerse unida en su"
           " apoyo a una solución pacífica y duradera.", "Nuestro país sigue comprometido con el"
           " multilateralismo y con el respeto del derecho internacional."),
    "ru": ("Мы продолжим тесно взаимодействовать с нашими партнёрами в регионе и в рамках"
           " Организации Объединённых Наций.", "Международное сообщество должно сохранять"
           " единство в поддержку мирного и прочного урегулирования.", "Наша страна"
           " по-прежнему привержена многосторонности и верховенству международного права."),
    "zh": ("我们将继续同地区伙伴以及在联合国框架内密切合作，共同实现这一目标。",
           "国际社会应当团结一致，支持以和平方式实现持久解决。",
           "我国始终坚持多边主义，坚定维护以国际法为基础的国际秩序。"),
    "ar": ("وسنواصل العمل بشكل وثيق مع شركائنا في المنطقة وفي إطار الأمم المتحدة لتحقيق هذا"
           " الهدف.", "ويجب على المجتمع الدولي أن يظل موحدا في دعمه لحل سلمي ودائم.", "وتظل"
           " بلادنا ملتزمة بتعددية الأطراف وبسيادة القانون في العلاقات الدولية."),
    "ja": ("我が国は、引き続き地域のパートナー及び国際連合と緊密に連携し、"
           "この目標の実現に取り組んでいきます。",
           "国際社会は、平和的かつ持続的な解決に向けて一致して支援を続けるべきです。",
           "我が国は、多国間主義と国際関係における法の支配に引き続きコミットしていきます。"),
}  # fmt: skip
"""Closing sentences, two per page (which two depends on the statement)."""

DELIVERED = {
    "en": "Delivered on {d} in New York.",
    "fr": "Prononcé le {d} à Paris.",
    "de": "Gehalten am {d} in Berlin.",
    "es": "Pronunciado el {d} en Madrid.",
    "ru": "{d}, Москва.",
    "zh": "{d}，北京。",
    "ar": "{d}، نيويورك.",
    "ja": "{d}、東京。",
}


def _title(site: Site, item: Item) -> str:
    h = item.headline
    if site.title == "domain":
        return f"{h}{site.sep}{site.name}"
    if site.title == "crumbs":
        return f"{site.name}{site.sep}{site.section}{site.sep}{h}"
    if site.title == "acronym":
        return f"{site.name}{site.sep}{h}"
    if site.title == "suffix":
        return f"{h}{site.sep}{site.name}"
    if site.title == "prefix":
        return f"{site.name}{site.sep}{h}"
    if site.title == "section":
        return f"{h}{site.sep}{site.section}{site.sep}{site.name}"
    return h


def _date_block(site: Site, item: Item, later: date) -> tuple[str, str, str]:
    """Return (head markup, markup above the text, first line of the text) for the date."""
    words = CHROME[site.lang]
    d, iso = local_date(site.lang, item.day), item.day.isoformat()
    if site.dated == "meta":
        return f'<meta property="article:published_time" content="{iso}T10:00:00+00:00">', "", ""
    if site.dated == "time":
        return "", f'<p class="meta"><time datetime="{iso}">{d}</time></p>', ""
    if site.dated == "date-line":
        return "", f'<div class="news-date">{d}</div>', ""
    if site.dated == "dateline":
        return "", "", f"<p>{d}</p>"
    if site.dated in _LATE_DATES:
        return "", _LATE_DATES[site.dated](site.lang, item.day, later), ""
    modified = f'<meta property="article:modified_time" content="{later.isoformat()}">'
    if site.dated == "delivered":
        return modified, "", f"<p><em>{DELIVERED[site.lang].format(d=d)}</em></p>"
    updated = f'<div class="updated">{words[8]}: {local_date(site.lang, later)}</div>'
    return modified, updated, f"<p>{d}</p>"


_PUBLISHED_UPDATED = {
    "en": "Published {d} · Last updated {u}",
    "fr": "Publié le {d} – Mis à jour le {u}",
    "de": "Veröffentlicht am {d}, aktualisiert am {u}",
}
_LABELLED = {
    "zh": "发布时间：{iso} 10:00",
    "ja": "掲載日：{d}",
    "ar": "تاريخ النشر: {d}",
}


def _published_updated(lang: str, day: date, later: date) -> str:
    text = _PUBLISHED_UPDATED[lang].format(d=local_date(lang, day), u=local_date(lang, later))
    return f'<p class="article-meta">{text}</p>'


def _slash(lang: str, day: date, later: date) -> str:
    return f'<span class="date">{day.day:02d}/{day.month:02d}/{day.year}</span>'


def _abbr(lang: str, day: date, later: date) -> str:
    month = MONTHS["en"].split()[day.month - 1][:3]
    return f'<span class="article-date">{month} {day.day}, {day.year}</span>'


def _clock(lang: str, day: date, later: date) -> str:
    return f'<div class="date">{day.day:02d}.{day.month:02d}.{day.year} 17:45</div>'


def _labelled(lang: str, day: date, later: date) -> str:
    text = _LABELLED[lang].format(d=local_date(lang, day), iso=day.isoformat())
    return f'<div class="info">{text}</div>'


_LATE_DATES = {
    "pub-upd": _published_updated,
    "slash": _slash,
    "abbr": _abbr,
    "clock": _clock,
    "label": _labelled,
}


def render(site: Site, item: Item) -> str:
    """Return the page `site` would serve for `item`."""
    words = CHROME[site.lang]
    later = date(item.day.year + 2, 1, 15)
    head_date, above, first = _date_block(site, item, later)
    lang = {None: "", "same": f' lang="{site.lang}"'}.get(
        site.lang_attr, f' lang="{site.lang_attr}"'
    )
    direction = ' dir="rtl"' if site.lang == "ar" else ""
    og = (
        f'<meta property="og:site_name" content="{escape(site.name)}">' if site.og_site_name else ""
    )
    og_title = f'<meta property="og:title" content="{escape(item.headline)}">'
    headline = escape(item.headline)
    brand = f'<a href="/" class="logo"><img src="/logo.svg" alt="{escape(site.name)}"></a>'
    if site.heading == "brand-h1":
        brand = f'<h1 class="site-title"><a href="/">{escape(site.name)}</a></h1>'
    if site.heading == "none":
        heading = ""
    elif site.heading == "div":
        heading = f"<div class='article-title'>{headline}</div>"
    elif site.heading == "brand-h1":
        heading = f"<h2 class='page-title'>{headline}</h2>"
    else:
        heading = f"<h1>{headline}</h1>"
    nav = "".join(f'<li><a href="/{i}">{escape(w)}</a></li>' for i, w in enumerate(words[:6]))
    crumbs = (
        f'<ol class="breadcrumb"><li><a href="/">{escape(words[0])}</a></li>'
        f'<li><a href="/news">{escape(words[1])}</a></li></ol>'
    )
    more = MORE[site.lang]
    extra = tuple(more[(i + len(item.headline)) % len(more)] for i in range(2))
    body = "".join(f"<p>{escape(p)}</p>" for p in (*item.paragraphs, *extra))
    return f"""<!DOCTYPE html>
<html{lang}{direction}><head><meta charset="utf-8">
<title>{escape(_title(site, item))}</title>
{og}{og_title if site.title == "clean-og" else ""}{head_date}
<meta name="viewport" content="width=device-width, initial-scale=1">
</head><body>
<header>{brand}<nav><ul>{nav}</ul></nav></header>
<main>{crumbs}
<article>{heading}{above}
<div class="text">{first}{body}</div>
<div class="share"><a href="#">{escape(words[6])}</a> <a href="#">{escape(words[7])}</a></div>
</article></main>
<footer><p>© {later.year} {escape(site.name)}. {escape(words[9])}.</p>
<ul><li><a href="/contact">{escape(words[5])}</a></li></ul></footer>
</body></html>"""


def pages() -> list[Page]:
    """Every site's page for every statement of its language."""
    found = []
    for site in SITES:
        for index, item in enumerate(ITEMS[site.lang]):
            url = f"https://{site.host}/{site.lang}/news/{item.day.year}/statement-{index + 1}"
            found.append(
                Page(
                    name=f"{site.host}#{index + 1}",
                    url=url,
                    html=render(site, item).encode("utf-8"),
                    title=item.headline,
                    date=item.day,
                    language=site.lang,
                    held_out=site.held_out or site.late,
                    late=site.late,
                )
            )
    return found


def split(found: list[Page]) -> tuple[list[Page], list[Page], list[Page]]:
    """Return (dev, held-out, written-after-the-rules) pages; a site's pages are on one side."""
    return (
        [p for p in found if not p.held_out],
        [p for p in found if p.held_out and not p.late],
        [p for p in found if p.late],
    )
