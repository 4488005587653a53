"""Whose role an immigration word plays (issue 9, over-refusal): the possessor of what was harmed,
a reported threat to have the victim removed, an agency that found or reported the crime, a
federal officer as the victim, a victim whose status is mentioned, a fake immigration lawyer.
Each mechanism in several languages, with the reading that must stay refused next to it.

The requests are written for these tests (none is a corpus line). The screen's own outcome is
checked (the rules), and the whole engine's decision with the shipped classifier."""

import pytest

from sharing.policy import AgencyProfile, SearchRequest, evaluate_search, presets
from sharing.policy import classifier as C
from sharing.policy import screen as S
from sharing.policy import types as R

WA = presets.washington()
KENT = AgencyProfile("Kent PD", "local", "WA")


def decide(reason, offense="other"):
    return evaluate_search(
        SearchRequest(
            reason=reason,
            case_number="26-0417",
            offense_type=offense,
            plate_query="ABC1234",
            partial=False,
            agency=KENT,
        ),
        WA,
    )


def rules(reason, offense="other"):
    """The concept screen's own immigration finding, as the engine computes it (no classifier)."""
    return C.screen_findings(reason, offense, "26-0417")["immigration"]


def assert_allowed(reason, offense):
    finding = rules(reason, offense)
    assert finding.outcome is None, (reason, finding.cues, finding.explanation)
    d = decide(reason, offense)
    assert d.allowed, (reason, d.rule, d.message)


def assert_not_allowed(reason, offense="other"):
    finding = rules(reason, offense)
    assert finding.outcome is not None, (reason, finding.cues)
    d = decide(reason, offense)
    assert not d.allowed, (reason, d.message)
    assert d.rule == R.RULE_PURPOSE_IMMIGRATION, (reason, d.rule)


# --- the immigration word names the owner of what was harmed ------------------------------------


@pytest.mark.parametrize(
    ("reason", "offense"),
    [
        (
            "someone slashed all four tires of the asylum seeker's car outside the library, suspect in a red Jeep",
            "vandalism",
        ),
        ("trộm xe máy của người tị nạn trước chợ, nghi phạm chạy xe tải trắng", "theft"),
        (
            "robaron la bicicleta de un solicitante de asilo frente a la biblioteca, sospechoso en un Jeep rojo",
            "theft",
        ),
        ("ninakaw ang bisikleta ng isang imigrante sa palengke, tumakas ang suspek sakay ng motor", "theft"),
        ("украли велосипед у мигранта возле рынка, подозреваемый уехал на серой машине", "theft"),
    ],
)
def test_possessor_of_what_was_harmed_is_the_victim(reason, offense):
    assert_allowed(reason, offense)


@pytest.mark.parametrize(
    "reason",
    [
        "find the asylum seeker's car and tell ICE where it is",
        "tìm xe của người nhập cư này để sở di trú bắt",
        "robo de vehículo para la migra, ubicar al dueño",  # the agency benefits: no victim
        "he has fake immigration papers, find him",  # 'fake' describes the papers, harms no one
    ],
)
def test_possessor_without_a_harm_done_to_them_stays_refused(reason):
    assert_not_allowed(reason)


def test_a_link_word_reaches_the_owner_across_the_possessed_noun():
    norm = S.normalize("cướp tiệm phở của người tị nạn trên đường Pacific")
    mention = next(m for m in S.immigration_mentions(norm) if m.text == "ti nan")
    assert S.mention_role(norm, mention) == "victim"
    # without the crime word the same phrase names no victim
    norm = S.normalize("tiệm phở của người tị nạn trên đường Pacific")
    mention = next(m for m in S.immigration_mentions(norm) if m.text == "ti nan")
    assert S.mention_role(norm, mention) is None


# --- a reported threat to have the victim removed ------------------------------------------------


@pytest.mark.parametrize(
    ("reason", "offense"),
    [
        (
            "her boyfriend punched her and told her he would have her deported if she went to the police, "
            "he drives a black Silverado",
            "domestic violence",
        ),
        (
            "el patrón golpeó a un trabajador y le dijo que lo iba a hacer deportar si lo denunciaba, "
            "maneja una Tacoma blanca",
            "assault",
        ),
        (
            "sinuntok niya ang kasintahan at sinabing ipapadeport niya ito kapag nagsumbong, itim na Vios",
            "assault",
        ),
        (
            "chồng đánh vợ và nói sẽ cho cô ấy bị trục xuất nếu đi báo công an, xe Toyota bạc",
            "domestic violence",
        ),
        (
            "сосед избил рабочего и сказал, что добьётся его депортации, если тот пойдёт в полицию; серый Форд",
            "assault",
        ),
    ],
)
def test_reported_causative_threat_names_the_suspects_threat(reason, offense):
    assert_allowed(reason, offense)


@pytest.mark.parametrize(
    "reason",
    [
        "we will get him deported, locate his car",
        "vamos a hacer deportar al dueño, ubique el carro",
        "ipapadeport namin siya, hanapin ang sasakyan",  # fused prefix, no speech verb: our own aim
    ],
)
def test_the_searchers_own_removal_aim_stays_refused(reason):
    assert_not_allowed(reason)


def test_an_affixed_removal_verb_is_still_read():
    norm = S.normalize("ipapadeport namin siya")
    assert any(source == "deport*" for source, _ in S.find("immigration", norm))


# --- an immigration agency that found, saw or reported the crime ---------------------------------


@pytest.mark.parametrize(
    ("reason", "offense"),
    [
        (
            "agentes de la Patrulla Fronteriza hallaron la camioneta robada cerca de Sumas, buscamos quién la manejaba",
            "vehicle theft",
        ),
        (
            "natagpuan ng Border Patrol ang ninakaw na trak malapit sa Sumas, sino ang nagmaneho",
            "vehicle theft",
        ),
        (
            "сотрудник пограничной службы обнаружил угнанный фургон у трассы, ищем, кто его бросил",
            "vehicle theft",
        ),
        (
            "nhân viên tuần tra biên giới phát hiện chiếc xe bị trộm gần Sumas, cần biết ai đã lái",
            "vehicle theft",
        ),
        (
            "the stolen flatbed was spotted by a Border Patrol agent near Lynden, trace where it came from",
            "vehicle theft",
        ),
    ],
)
def test_agency_as_finder_or_witness_of_the_crime(reason, offense):
    assert_allowed(reason, offense)


@pytest.mark.parametrize(
    "reason",
    [
        "ICE found where he lives, get us his car's locations",  # found a person, no crime
        "la Patrulla Fronteriza encontró su dirección, ubiquen el carro",
        "nakita ng ICE ang bahay niya, hanapin ang kotse",
        "la Patrulla Fronteriza pidió ubicar el carro robado",  # the agency asks
        "find the stolen car so ICE can pick up the driver",  # the agency benefits
    ],
)
def test_agency_that_asks_benefits_or_finds_a_person_stays_refused(reason):
    assert_not_allowed(reason, "vehicle theft" if "stolen" in reason or "robado" in reason else "other")


# --- a federal officer as the victim, "on / against / contra / sa ... ng" -------------------------


@pytest.mark.parametrize(
    ("reason", "offense"),
    [
        (
            "agresión contra un agente de la Patrulla Fronteriza, el sospechoso huyó en un Charger negro",
            "assault",
        ),
        (
            "pananakit sa isang ahente ng Border Patrol, tumakas ang suspek sakay ng itim na Charger",
            "assault",
        ),
        (
            "assault on a Border Patrol agent at the Peace Arch crossing, suspect fled in a black Charger",
            "assault",
        ),
        (
            "нападение на сотрудника пограничной службы у магазина, подозреваемый уехал на белом фургоне",
            "assault",
        ),
    ],
)
def test_federal_officer_as_victim(reason, offense):
    assert_allowed(reason, offense)


# --- the victim's status, a suspect's act, a fake immigration lawyer -----------------------------


def test_status_of_the_victim_is_no_purpose():
    assert_allowed(
        "the victim is undocumented and afraid; two men beat him and stole his wages, red Tacoma", "robbery"
    )
    assert_not_allowed("the owner is undocumented, find where he sleeps")


@pytest.mark.parametrize(
    ("reason", "offense"),
    [
        (
            "fake immigration lawyer took $4,000 from three families for green cards that never came, fraud, "
            "drives a blue Lexus",
            "fraud",
        ),
        (
            "un supuesto asesor de inmigración cometió fraude contra cinco familias, maneja un Mazda gris",
            "fraud",
        ),
    ],
)
def test_fake_immigration_service_names_the_suspect(reason, offense):
    assert_allowed(reason, offense)


def test_asking_verbs_make_only_agencies_requesters():
    # "called" follows a removal word, not an agency: nobody is asking
    norm = S.normalize("said he would get her deported if she called police")
    assert not any(m.requester for m in S.immigration_mentions(norm))
    roles, purpose = S._roles("said he would get her deported if she called police", ())
    assert not purpose
