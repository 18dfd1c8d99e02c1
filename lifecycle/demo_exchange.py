"""What the demo networks do between incidents: meetings, signals, inputs for policy, briefings.

`core_meetings` gives a network the core meetings its next gate counts; the other functions write
one network's last months: the signals it picked up (as themes in a district, never about a
named person), what went to policy and the answer that came back, and what the municipality
shared with the members. Day numbers count from the start of the demo's history (`demo.
HISTORY_DAYS` days ago), so the dashboard shows the last year on first start.

Some of it is meant to need attention today: a signal still open past its deadline, an input
for policy without an answer past its due date, a network that stopped meeting at its rhythm, a
mandate that expired, and a member who has not been heard from in months.
"""
from __future__ import annotations

# Topics (signal themes) and notes of ordinary meetings. Notes say what was discussed and agreed,
# never who said what.
MEETING_AGENDAS = (
    (("liveability", "tension_between_groups"),
     "Beeld van de wijk gedeeld: meer onrust rond het winkelcentrum in de avond. Afgesproken "
     "om de jongerenwerkers te vragen wat zij zien."),
    (("polarisation",),
     "Gesproken over berichten op sociale media na een voorval in de stad. De leden zien dat "
     "geruchten snel rondgaan; afgesproken wie welke groep informeert."),
    (("discrimination", "liveability"),
     "Terugkoppeling van de gemeente over eerdere signalen. Zorgen over discriminatie bij "
     "stages besproken; de gemeente neemt dit mee naar het overleg met de scholen."),
    (("international_event", "tension_between_groups"),
     "Reactie op het nieuws uit het buitenland besproken: hoe houden we het gesprek in de wijk "
     "open? Afgesproken een gezamenlijke boodschap te delen."),
    (("undermining",),
     "Voorlichting over ondermijning door de wijkagent. De leden herkennen signalen rond "
     "leegstaande panden; afgesproken die op themaniveau te melden."),
)

CORE_AGENDAS = (
    (("liveability",),
     "Kennismaking en huisregels: openheid, geen belangenbehartiging, vertrouwelijkheid en "
     "scheiding van kerk en staat. Beeld van de wijk gedeeld."),
    (("tension_between_groups", "polarisation"),
     "Spanningen tussen groepen in de wijk besproken en hoe de leden die vroeg opmerken. "
     "Afgesproken hoe signalen bij de gemeente komen."),
    (("polarisation",),
     "Omgaan met spanningen op sociale media. Casus op themaniveau besproken; afgesproken wie "
     "wat doet als er iets speelt."),
)

CLOSE = {"note": "Besproken in het netwerk; er is niets meer nodig."}


def core_meetings(story, *, pace: int = 10) -> None:
    """Three core meetings with the small core: the workflow counts them before `expand`."""
    for number, (topics, notes) in enumerate(CORE_AGENDAS):
        agreements = [("Een vaste plek voor de kern vragen in het buurthuis, ook 's avonds.",
                       21)] if number == 1 else []
        story.meet("core", list(topics), notes, days=pace, agreements=agreements,
                   label=f"core {number}")


def venlo_oost(story) -> None:
    story.signal(318, "liveability", "low", (
        "Bewoners klagen steeds vaker over afval en hondenpoep rond het speelveld; in de "
        "buurtapp worden groepen daarop aangesproken."), district="Venlo-Oost",
        steps=(("assess", 3, {}), ("act", 8, {"note": "Met de wijkbeheerder extra rondes "
                                               "afgesproken en een buurtgesprek gepland."})),
        deeper="tension_between_groups",
        to_policy=(10, "Klachten over afval worden gebruikt om groepen tegen elkaar op te "
                       "zetten. Vraag: een buurtgesprek en zichtbaar beheer.",
                   "Afdeling Wijkzaken", 30, 18,
                   "Het buurtgesprek is gehouden en de wijkbeheerder loopt wekelijks een vaste "
                   "ronde. De leden horen dit op de volgende bijeenkomst."))
    story.signal(352, "polarisation", "normal", (
        "Na een voorval in de stad gaan op sociale media filmpjes rond die groepen in de wijk "
        "tegen elkaar opzetten."), district="Venlo-Oost", source=story.kit.core[0].name,
        steps=(("assess", 1, {}), ("act", 3, {"note": "Leden delen een gezamenlijke "
                                              "boodschap in hun eigen kring."})))
    story.signal(389, "radicalisation", "high", (
        "Zorgen bij jongerenwerkers over een online groep die jongeren uit de wijk benadert "
        "met extreme boodschappen."), district="Venlo-Oost",
        steps=(("forward", 1, {"partner_kind": "police",
                               "partner_name": "Wijkteam politie Venlo-Oost"}),
               ("close", 9, {"note": "Overgedragen aan de politie en het zorg- en "
                                     "veiligheidshuis; het netwerk krijgt terugkoppeling op "
                                     "themaniveau."})))
    story.signal(431, "discrimination", "normal", (
        "Jongeren vertellen dat ze bij het zoeken naar een stage worden afgewezen om hun "
        "naam."), district="Venlo-Oost",
        steps=(("assess", 4, {}), ("act", 14, {"note": "Besproken met de scholen en het "
                                               "antidiscriminatiebureau."})),
        to_policy=(15, "Discriminatie bij stages: vraag om afspraken met scholen en "
                       "werkgevers.", "Beleidsadviseur onderwijs en arbeidsmarkt", 42, 60,
                   "De gemeente maakt met de scholen een meldroute en spreekt werkgevers aan "
                   "in het ondernemersoverleg."))
    story.signal(488, "international_event", "normal", (
        "Na berichten over het conflict in het Midden-Oosten is de sfeer op het schoolplein "
        "gespannen."), district="Venlo-Oost",
        steps=(("assess", 1, {}), ("act", 2, {"note": "Leerkrachten en jongerenwerk voeren "
                                              "samen klassengesprekken."})))
    story.signal(526, "tension_between_groups", "normal", (
        "Onrust tussen twee groepen jongeren bij het winkelcentrum; bewoners voelen zich "
        "onveilig in de avond."), district="Venlo-Oost", steps=(("assess", 2, {}),))
    story.signal(534, "liveability", "low", (
        "Bewoners vragen om betere verlichting op het pad langs het spoor."),
        district="Venlo-Oost")
    story.signal(505, "other", "normal", (
        "Vraag van de moedergroep om een informatieavond over online weerbaarheid."),
        district="Venlo-Oost",
        to_policy=(2, "Ouders vragen om een informatieavond over online weerbaarheid.",
                   "Team Jeugd", 45, None, ""))
    story.brief(330, "update", "Wat er met jullie signalen gebeurde",
                "Overzicht van de signalen van het afgelopen kwartaal en wat de gemeente en "
                "partners ermee hebben gedaan.")
    story.brief(420, "briefing", "Toelichting op het nieuwe veiligheidsplan",
                "De burgemeester lichtte het veiligheidsplan toe en vroeg de leden om mee te "
                "denken over de aanpak van polarisatie.")
    story.brief(500, "update", "Stand van zaken stagediscriminatie",
                "De meldroute voor stagediscriminatie is klaar; de leden kunnen jongeren erop "
                "wijzen.")


def venlo_blerick(story) -> None:
    story.signal(340, "undermining", "normal", (
        "Trainers zien dat jongeren rond het sportpark worden benaderd voor klusjes met "
        "contant geld."), district="Blerick",
        steps=(("forward", 2, {"partner_kind": "police",
                               "partner_name": "Wijkagent Blerick"}),))
    story.signal(402, "radicalisation", "normal", (
        "Een groep jongeren deelt in de kleedkamer filmpjes met extreme boodschappen."),
        district="Hout-Blerick",
        steps=(("assess", 1, {}), ("forward", 5, {"partner_kind": "youth_work",
                                                  "partner_name": "Jongerenwerk Blerick"})))
    story.signal(470, "liveability", "normal", (
        "Overlast van scooters rond de boksschool in de avond."), district="Blerick",
        steps=(("assess", 6, {}), ("act", 13, {"note": "Handhaving en jongerenwerk samen "
                                               "op straat."})))
    story.signal(519, "polarisation", "normal", (
        "Ouders maken zich zorgen over online uitdagingen die groepen jongeren tegen elkaar "
        "opzetten."), district="Blerick")
    story.brief(450, "briefing", "Aanpak ondermijning in Blerick",
                "De wijkagent en de gemeente lichtten toe hoe signalen over ondermijning worden "
                "opgepakt, zonder dat leden zelf risico lopen.")


def venlo_adhoc(story) -> None:
    story.signal(160, "international_event", "high", (
        "Oproepen op sociale media tot een demonstratie bij een gebedshuis."),
        district="Venlo-Noord",
        steps=(("forward", 0, {"partner_kind": "police",
                               "partner_name": "Politie Limburg-Noord"}),
               ("close", 3, {"note": "De demonstratie is niet doorgegaan; besturen hebben "
                                     "samen een oproep tot rust gedaan."})))
    story.signal(175, "tension_between_groups", "high", (
        "Geruchten over een vechtpartij tussen groepen jongeren zorgen voor onrust in de "
        "stad."), district="Venlo-Oost",
        steps=(("assess", 0, {}), ("act", 1, {"note": "Geruchten ontkracht via de kanalen "
                                              "van de leden."})))
    story.brief(180, "update", "Gezamenlijke oproep tot rust",
                "De besturen en de burgemeester deelden een gezamenlijke boodschap; de leden "
                "verspreiden die in hun eigen kring.")


def venlo_zuid(story) -> None:
    story.signal(455, "undermining", "normal", (
        "Bewoners zien veel aanloop bij een leegstaand pand en jongeren die er pakketjes "
        "ophalen."), district="Venlo-Zuid",
        steps=(("forward", 2, {"partner_kind": "police",
                               "partner_name": "Wijkagent Venlo-Zuid"}),))
    story.signal(512, "undermining", "low", (
        "Ondernemers melden dat ze worden gevraagd hun pand te verhuren voor contant geld."),
        district="Venlo-Zuid", steps=(("assess", 3, {}),),
        to_policy=(4, "Ondernemers worden benaderd om panden contant te verhuren. Vraag: een "
                      "informatiebijeenkomst met het Regionaal Informatie en Expertise Centrum.",
                   "Team Openbare Orde en Veiligheid", 14, None, ""))


def amf_noord(story) -> None:
    story.agreement_to_policy("core 1", (
        3, "De kern vraagt om een vaste, gratis ruimte in het buurthuis, ook in de avond.",
        "Wijkregisseur Noord", 30, 16,
        "Het buurthuis reserveert elke tweede dinsdagavond een zaal voor het netwerk."))
    story.signal(330, "liveability", "low", (
        "Klachten over hangjongeren bij het buurthuis worden op de buurtapp gekoppeld aan "
        "afkomst."), district="Kruiskamp",
        steps=(("assess", 2, {}), ("act", 9, {"note": "Buurtgesprek met bewoners en "
                                              "jongeren."})), deeper="discrimination")
    story.signal(395, "tension_between_groups", "normal", (
        "Een bewonersavond over de nieuwe speeltuin liep uit op beschuldigingen tussen "
        "groepen."), district="Liendert",
        steps=(("assess", 1, {}), ("act", 4, {"note": "Leden hebben met beide kanten "
                                              "gesproken; vervolgavond met gespreksleider."})),
        to_policy=(6, "Bewonersavonden lopen vast; vraag om een onafhankelijke "
                      "gespreksleider bij wijkbijeenkomsten.", "Wijkregisseur Noord", 21, 12,
                   "Bij de volgende drie wijkavonden zit een onafhankelijke gespreksleider."))
    story.signal(460, "polarisation", "normal", (
        "Flyers met een polariserende boodschap in brievenbussen in Kruiskamp."),
        district="Kruiskamp",
        steps=(("assess", 1, {}), ("forward", 2, {"partner_kind": "police",
                                                  "partner_name": "Wijkagent Kruiskamp"})))
    story.signal(521, "discrimination", "normal", (
        "Jongeren voelen zich weggezet in berichten over overlast in de wijk."),
        district="Liendert", steps=(("assess", 12, {}),))
    story.brief(400, "update", "Terugkoppeling wijkavonden",
                "De wijkregisseur vertelde wat er met de zorgen uit de wijkavonden gebeurt.")
    story.brief(470, "briefing", "Uitleg over de nieuwe buurtaanpak",
                "De gemeente lichtte de nieuwe buurtaanpak toe; de leden gaven hun reactie.")


def amf_soester(story) -> None:
    story.signal(300, "radicalisation", "normal", (
        "Ouders zien hun kinderen online meegaan in extreme content en vragen waar ze terecht "
        "kunnen."), district="Soesterkwartier",
        steps=(("assess", 1, {}), ("act", 2, {"note": "Ouders gewezen op het steunpunt en "
                                              "een opvoedavond gepland."})),
        to_policy=(3, "Ouders weten niet waar ze terechtkunnen met zorgen over "
                      "radicalisering online.", "Team Jeugd en Onderwijs", 30, 25,
                   "Het steunpunt staat nu op de website van de gemeente en in de schoolgids."))


def amf_platform(story) -> None:
    story.signal(325, "international_event", "normal", (
        "Landelijke discussie over een omstreden uitspraak leidt tot felle reacties in de "
        "stad."),
        steps=(("assess", 1, {}), ("act", 3, {"note": "Platform gaf het college een advies "
                                              "over de toon van de communicatie."})))
    story.signal(378, "discrimination", "low", (
        "Leden horen vaker over discriminatie bij het uitgaan in de binnenstad."),
        district="Binnenstad",
        steps=(("assess", 4, {}), ("act", 18, {"note": "Gesprek met horecaondernemers over "
                                               "deurbeleid."})),
        to_policy=(6, "Discriminatie bij het uitgaan: vraag om afspraken met de horeca.",
                   "Afdeling Economische Zaken", 28, 40,
                   "De gemeente heeft met de horeca afspraken gemaakt over deurbeleid en "
                   "meldingen."))
    story.signal(430, "polarisation", "high", (
        "Oproepen tot een tegendemonstratie bij een lezing in de bibliotheek."),
        district="Binnenstad",
        steps=(("forward", 1, {"partner_kind": "police",
                               "partner_name": "Politie Amersfoort"}),
               ("close", 6, CLOSE)))
    story.signal(490, "tension_between_groups", "normal", (
        "Spanningen tussen buurtbewoners en nieuwkomers rond de opvanglocatie in Vathorst."),
        district="Vathorst",
        steps=(("assess", 2, {}),),
        to_policy=(3, "Buurtbewoners en nieuwkomers rond de opvanglocatie: vraag om een "
                      "gezamenlijke buurtavond.", "Programma Opvang", 20, None, ""))
    story.brief(360, "briefing", "Toelichting op de koers sociale stabiliteit",
                "De burgemeester lichtte de koers toe en vroeg het platform om advies.")
    story.brief(445, "update", "Wat we deden met jullie advies",
                "Overzicht van de adviezen van het platform en wat het college ermee deed.")
