"""LINK_VERSION cannot drift: linking's output on fixed inputs changes only with it.

The outputs (each text's statement, the copy it matched, how and on what evidence, and the
translation pairs found) are stored with the version that produced them
(fixtures/link_outputs.json): inline republications, rewrapped copies, template-alike items and
a weekly series, and the Kremlin sample's series and the seed statement of ../shared where they
are present. When a change moves them, bump `LINK_VERSION` in model.py (an archive linked
before is then told to relink) and store the new outputs:
`COMMUNIQUE_UPDATE_FIXTURES=1 pytest tests/link/test_version.py`.
"""

from __future__ import annotations

import itertools
import sys
from pathlib import Path
from typing import Any

from communique.link import Linker, signature
from communique.link.translations import compare, facts
from communique.model import LINK_VERSION
from tests.conftest import SHARED
from tests.versioned import check_versioned, stored_outputs

FIXTURE = Path(__file__).with_name("fixtures") / "link_outputs.json"
_STATEMENT = (
    "The Ministry of Foreign Affairs welcomes the agreement reached in Geneva on 8 November"
    " 2023 between the delegations on the exchange of detainees and the opening of the border"
    " crossings at Lachin and Aghdam.\n\nThe Ministry calls on both sides to implement the"
    " agreement in good faith before the end of the year, to refrain from any step that"
    " could raise tensions in the region, and to continue the talks on the delimitation of"
    " the border under the auspices of the OSCE Minsk Group co-chairs.\n\nThe Ministry"
    " thanks the Swiss Confederation for hosting the meeting and the International Committee"
    " of the Red Cross for its assistance."
)
_MEETING = (
    "The President held a working meeting with the permanent members of the Security"
    " Council. Taking part were the Chairman of the Federation Council, the Speaker of the"
    " State Duma, the Deputy Chairman of the Security Council, the Chief of Staff of the"
    " Presidential Executive Office, the Secretary of the Security Council, the Minister of"
    " Foreign Affairs, the Minister of Defence and the Director of the Federal Security"
    " Service.\n\n{topic}\n\nThe participants then discussed current domestic issues."
)
_TOPICS = (
    "The main topic was the situation in the Middle East after the strikes on the port of"
    " Hodeidah and the safety of shipping in the Red Sea.",
    "The participants discussed preparations for the summit of the Shanghai Cooperation"
    " Organisation in Astana and the agenda of the talks with the Chinese delegation.",
    "The meeting considered the results of the talks in Istanbul on the exchange of prisoners"
    " and the return of children to their families.",
)
INLINE = {
    "statement": _STATEMENT,
    "rewrapped": _STATEMENT.replace("\n\n", " ").replace("Geneva on", "Geneva\non"),
    "embassy": "Embassy of the Republic in Bern\nPress release\n\n"
    + _STATEMENT
    + "\n\nFollow us on Twitter and Facebook\nContacts | Visa services | Consular section",
    "edited": _STATEMENT.replace("in good faith", "fully and in good faith"),
    "other-date": _STATEMENT.replace("8 November 2023", "12 December 2023").replace(
        "Lachin and Aghdam", "Zangelan and Kubadly"
    ),
    **{f"meeting-{n}": _MEETING.format(topic=topic) for n, topic in enumerate(_TOPICS)},
    "leaders-en": "On 8 May 2020 the leaders of Armenia and Azerbaijan met Putin in Moscow and"
    " signed, on 10 May 2020, a statement of 9 points.",
    "leaders-fr": "Le 8 mai 2020, les dirigeants de l'Arménie et de l'Azerbaïdjan ont vu Poutine à"
    " Moscou et ont signé, le 10 mai 2020, une déclaration en 9 points.",
    "fr": "Le ministère des Affaires étrangères salue l'accord conclu à Genève le 8 novembre"
    " 2023 entre les délégations sur l'échange de détenus et l'ouverture des points de"
    " passage de Lachin et d'Aghdam. Le ministère appelle les deux parties à appliquer"
    " l'accord de bonne foi avant la fin de l'année, à s'abstenir de toute mesure susceptible"
    " d'accroître les tensions dans la région et à poursuivre les pourparlers sur la"
    " délimitation de la frontière sous l'égide des coprésidents du Groupe de Minsk de"
    " l'OSCE. Le ministère remercie la Confédération suisse d'avoir accueilli la réunion et"
    " le Comité international de la Croix-Rouge pour son assistance.",
}
KREMLIN = SHARED / "corpora" / "kremlin_ru_2025_sample.jsonl"
SEED = SHARED / "seeds" / "000_ac6ea3ae84a41b15.txt"


def _inputs() -> dict[str, str]:
    texts = dict(INLINE)
    if SEED.exists():
        seed = SEED.read_text(encoding="utf-8")
        texts["seed"] = seed
        texts["seed-other-year"] = seed.replace("44-day", "45-day").replace("30 years", "31 years")
    if KREMLIN.exists():  # its items without their dated header and footer, as ingest has them
        sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "bench"))
        from linkset import undated_kremlin

        for base in undated_kremlin(SHARED):
            texts[f"kremlin-{base.id.rsplit('/', 1)[1]}"] = "\n\n".join(base.paragraphs)
    return texts


def _outputs() -> dict[str, Any]:
    texts = _inputs()
    linker = Linker(lambda keys: [texts[key] for key in keys])
    found: dict[str, Any] = {}
    for key, text in texts.items():
        link = linker.add(key, signature(text))
        found[key] = {"statement": linker.group(key)} | (
            {} if link is None else {"matched": link.matched, "kind": link.kind,
                                     "evidence": link.evidence}
        )  # fmt: skip
    sequences = {key: facts(text) for key, text in texts.items()}
    pairs = {}
    for one, other in itertools.combinations(sorted(INLINE), 2):
        match = compare(sequences[one], sequences[other])
        if match is not None:
            pairs[f"{one} ~ {other}"] = [round(match.confidence, 6), match.evidence]
    found["translations"] = pairs
    return found


def test_link_output_changes_only_with_the_link_version() -> None:
    check_versioned(FIXTURE, "LINK_VERSION", LINK_VERSION, _outputs())


def test_every_inline_input_is_in_the_fixture() -> None:
    stored = stored_outputs(FIXTURE)
    assert set(INLINE) <= set(stored)
    kinds = {output.get("kind") for output in stored.values()}
    assert {"exact", "republication", None} <= kinds, "the inputs show each way of linking"
    assert any("-fr" in pair for pair in stored["translations"])
