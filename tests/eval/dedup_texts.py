"""Hand-written articles for the dedup labelled set: events reported by rival outlets.

Each event has two reports of the same meeting by different outlets (sharing names,
numbers and one verbatim quote, as rival reports do), a follow-up story the next
day, and two short feed summaries from different outlets. None are real articles.
"""

from __future__ import annotations

import json
from pathlib import Path

EVENTS: list[dict] = [
    {
        "quote": '"We came here to talk about peace, not about surrender," Umerov told reporters.',
        "reports": [
            (
                "Russia and Ukraine hold first direct talks in three years in Istanbul",
                "Istanbul talks: Kyiv and Moscow delegations meet face to face",
                [
                    "Russian and Ukrainian delegations met in Istanbul on Friday for their first "
                    "direct peace talks since the spring of 2022, in a meeting hosted by Turkey at "
                    "the Dolmabahce palace that lasted less than two hours.",
                    "The Ukrainian side was led by Defence Minister Rustem Umerov, while Moscow "
                    "sent presidential aide Vladimir Medinsky, who also headed its team in the "
                    "failed negotiations three years ago.",
                    '"We came here to talk about peace, not about surrender," Umerov told '
                    "reporters.",
                    "Turkish Foreign Minister Hakan Fidan opened the session by urging both sides "
                    "to agree on a ceasefire and a large exchange of prisoners, telling them that "
                    "two roads lay ahead: one toward peace and one toward more destruction.",
                    "Officials on both sides said afterwards that they had agreed in principle to "
                    "swap one thousand prisoners each, the largest such exchange of the war, but "
                    "that no date had been set for a second meeting.",
                    "Western diplomats in the city described the atmosphere as cold but "
                    "businesslike, and cautioned against expecting rapid progress on the core "
                    "questions of territory and security guarantees.",
                ],
            ),
            (
                "Prisoner swap agreed but no truce as Istanbul talks end quickly",
                "Istanbul meeting ends with prisoner deal, no ceasefire",
                [
                    "A short round of negotiations between Moscow and Kyiv ended in Istanbul with "
                    "an agreement to exchange a thousand prisoners from each side, but without "
                    "the unconditional ceasefire that Ukraine and its European allies had sought.",
                    "Medinsky, speaking to Russian television after the session, said his "
                    "delegation was satisfied and ready to continue contacts, and that Moscow had "
                    "proposed that each side present a detailed vision of a possible truce.",
                    '"We came here to talk about peace, not about surrender," Umerov told '
                    "reporters.",
                    "A source in the Ukrainian delegation said Russian negotiators had put "
                    "forward demands that Kyiv withdraw its troops from four regions, conditions "
                    "described as unacceptable and far beyond anything discussed in advance.",
                    "President Volodymyr Zelensky, who had travelled to Ankara earlier in the "
                    "week, said he would consult with partners in Europe and in Washington about "
                    "tougher sanctions if Moscow continued to reject a ceasefire.",
                ],
            ),
            (
                "After Istanbul, Kyiv presses allies for sanctions as prisoner swap is prepared",
                "Ukraine seeks sanctions after Istanbul round",
                [
                    "A day after the brief meeting in Istanbul, Ukrainian officials began "
                    "compiling lists for the prisoner exchange agreed there, while Kyiv urged "
                    "its allies to respond to what it called Russia's maximalist demands.",
                    "Foreign Minister Andrii Sybiha said in a statement that Russia had shown no "
                    "interest in a ceasefire and that only pressure, including sanctions on "
                    "Russian oil and banks, could change the Kremlin's calculations.",
                    "In Moscow, Kremlin spokesman Dmitry Peskov said it was too early to speak of "
                    "a meeting between the two presidents and that any such summit would have to "
                    "be prepared by the delegations first.",
                    "European leaders held a call with Zelensky on Saturday morning and agreed to "
                    "coordinate a new package of measures, a diplomat familiar with the call "
                    "said, without giving details of its timing.",
                ],
            ),
        ],
        "summaries": [
            (
                "Russia, Ukraine hold first direct talks since 2022",
                "Delegations from Russia and Ukraine met in Istanbul on Friday for their first "
                "direct talks in three years and agreed to exchange a thousand prisoners each, "
                "but did not agree on a ceasefire.",
            ),
            (
                "Istanbul talks end after two hours",
                "Ukraine's and Russia's negotiators spent less than two hours together in "
                "Istanbul on Friday; Turkey's foreign minister urged a ceasefire while Kyiv said "
                "Moscow brought unacceptable demands.",
            ),
        ],
    },
    {
        "quote": '"Europe will not be a spectator to its own security," Macron said.',
        "reports": [
            (
                "European leaders travel to Kyiv to back 30-day ceasefire demand",
                "Macron, Merz, Starmer and Tusk in Kyiv to push truce",
                [
                    "The leaders of France, Germany, Britain and Poland arrived in Kyiv by "
                    "overnight train on Saturday to show support for Ukraine and to press Russia "
                    "to accept an unconditional ceasefire of thirty days.",
                    "Emmanuel Macron, Friedrich Merz, Keir Starmer and Donald Tusk laid wreaths "
                    "at a memorial to fallen soldiers before meeting President Zelensky at the "
                    "Mariinsky palace.",
                    '"Europe will not be a spectator to its own security," Macron said.',
                    "The four leaders then held a call with the American president, after which "
                    "they said Washington supported the demand and that new sanctions would "
                    "follow if Moscow refused the truce starting on Monday.",
                    "The Kremlin responded that it would not accept ultimatums and that any "
                    "ceasefire must be preceded by guarantees that Western weapons deliveries to "
                    "Ukraine would stop.",
                ],
            ),
            (
                "Kremlin rejects European truce ultimatum as leaders meet Zelensky",
                "Moscow brushes off ceasefire call from European leaders in Kyiv",
                [
                    "Russia on Saturday dismissed a demand by four European leaders visiting "
                    "Kyiv that it halt fighting for a month, saying that the language of "
                    "ultimatums was unacceptable to Moscow.",
                    "Kremlin spokesman Dmitry Peskov told state media that President Vladimir "
                    "Putin had proposed direct negotiations instead and that a pause in fighting "
                    "would only allow Ukraine to rearm and regroup its forces.",
                    '"Europe will not be a spectator to its own security," Macron said.',
                    "The visit, the first joint trip to Ukraine by the leaders of the coalition "
                    "of the willing, was planned for weeks, according to officials in Paris, and "
                    "was kept secret until the train crossed the Polish border.",
                    "Ukrainian officials said Zelensky had agreed in advance to a complete "
                    "ceasefire on land, in the air and at sea, and that the ball was now in "
                    "Russia's court.",
                ],
            ),
            (
                "Putin proposes direct talks after European leaders demand ceasefire",
                "Putin counters ceasefire demand with offer of Istanbul talks",
                [
                    "Vladimir Putin proposed in a late-night televised statement that Russia and "
                    "Ukraine resume direct negotiations in Istanbul next week, hours after "
                    "European leaders in Kyiv demanded a month-long ceasefire.",
                    "The Russian president said talks should address what he called the root "
                    "causes of the conflict and did not rule out that a new truce could be "
                    "agreed during them, but made no commitment to halt fighting before they "
                    "began.",
                    "Zelensky replied on social media that he would be waiting for Putin in "
                    "Turkey in person and that a ceasefire should begin on Monday as a sign that "
                    "Russia was serious.",
                    "Officials in Berlin and Paris said the offer was not enough and that "
                    "preparations for further sanctions, including on Russian liquefied gas, "
                    "would continue regardless.",
                ],
            ),
        ],
        "summaries": [
            (
                "European leaders in Kyiv demand 30-day truce",
                "France, Germany, Britain and Poland called from Kyiv for an unconditional "
                "thirty-day ceasefire from Monday, threatening new sanctions on Russia if it "
                "refuses.",
            ),
            (
                "Moscow rejects 'ultimatum' from Europe",
                "The Kremlin said it would not bow to an ultimatum after European leaders "
                "visiting Kyiv asked Russia to stop fighting for thirty days, and said weapons "
                "deliveries to Ukraine must end first.",
            ),
        ],
    },
    {
        "quote": '"The Black Sea must be safe for commercial shipping again," Yermak said.',
        "reports": [
            (
                "US brokers Black Sea truce after separate talks in Riyadh",
                "Black Sea ceasefire agreed in Saudi Arabia talks, Washington says",
                [
                    "The United States said on Tuesday that Russia and Ukraine had agreed to "
                    "ensure safe navigation in the Black Sea and to halt strikes on each "
                    "other's energy facilities, after three days of separate talks in Riyadh.",
                    "American negotiators met the two delegations in different rooms of the same "
                    "hotel, shuttling between them rather than bringing them together, a format "
                    "officials described as proximity talks.",
                    '"The Black Sea must be safe for commercial shipping again," Yermak said.',
                    "The White House statement said Washington would help restore Russian access "
                    "to world markets for agricultural products and fertiliser, a long-standing "
                    "Russian demand in exchange for a maritime truce.",
                    "The Kremlin later said the maritime arrangement would only take effect once "
                    "some Western restrictions on the Russian agricultural bank were lifted.",
                ],
            ),
            (
                "Black Sea deal hangs on sanctions relief, Kremlin says",
                "Russia attaches conditions to Black Sea truce",
                [
                    "Russia said a maritime ceasefire announced by Washington would not begin "
                    "until its state agricultural bank was reconnected to the SWIFT payments "
                    "network, casting doubt on an agreement hailed hours earlier.",
                    "Ukrainian Defence Minister Rustem Umerov said Kyiv considered the truce in "
                    "force immediately and warned that any movement of Russian warships outside "
                    "the eastern part of the sea would be treated as a violation.",
                    '"The Black Sea must be safe for commercial shipping again," Yermak said.',
                    "European Union officials said lifting sanctions on Russian banks would "
                    "require the agreement of all member states and was not on the agenda.",
                    "Grain traders in Odesa said insurance costs for ships calling at Ukrainian "
                    "ports had already fallen since the start of the year and that the new "
                    "arrangement changed little in practice.",
                ],
            ),
            (
                "Energy strikes continue days after Riyadh pledge",
                "Both sides accuse each other of breaking energy truce",
                [
                    "Ukraine and Russia accused each other on Friday of attacking energy sites "
                    "in breach of a moratorium agreed with the United States in Riyadh earlier "
                    "in the week.",
                    "The Russian defence ministry said Ukrainian drones had damaged a gas "
                    "metering station in the Kursk region, while Kyiv said a Russian missile had "
                    "hit a power substation near Kherson.",
                    "A spokesman for the State Department said Washington was looking into the "
                    "reports and remained committed to a full ceasefire, adding that violations "
                    "had been expected in the first days.",
                    "Analysts said the absence of any monitoring mechanism made the partial "
                    "truce hard to enforce and easy for both sides to dispute.",
                ],
            ),
        ],
        "summaries": [
            (
                "Russia, Ukraine agree Black Sea truce, US says",
                "Washington said Russia and Ukraine agreed after talks in Riyadh to ensure safe "
                "navigation in the Black Sea and to stop striking energy facilities.",
            ),
            (
                "Kremlin sets conditions for maritime ceasefire",
                "Russia said the Black Sea truce announced in Riyadh would start only after "
                "sanctions on its agricultural bank are lifted; Kyiv says it applies now.",
            ),
        ],
    },
    {
        "quote": '"Nobody should expect miracles from one meeting," Peskov said.',
        "reports": [
            (
                "Trump and Putin to meet in Alaska as Kyiv fears deal over its head",
                "Alaska summit set for Friday, Ukraine not invited",
                [
                    "The American and Russian presidents will meet at a military base in "
                    "Anchorage on Friday, the first summit between the two countries' leaders "
                    "since 2021, both governments confirmed.",
                    "Ukraine was not invited, and Zelensky warned that any decisions taken "
                    "without Kyiv would be dead decisions that would never work.",
                    '"Nobody should expect miracles from one meeting," Peskov said.',
                    "European foreign ministers held an emergency video call to agree a common "
                    "position, stressing that international borders must not be changed by "
                    "force and that Ukraine must have a seat at any table.",
                    "The White House said the president wanted to listen to Putin and would talk "
                    "to Zelensky immediately after the summit.",
                ],
            ),
            (
                "Anchorage summit: what Moscow and Washington want",
                "What to expect from the Trump-Putin meeting in Alaska",
                [
                    "Russian officials have spent the week signalling that they expect the "
                    "meeting in Anchorage to cover trade and arms control as well as Ukraine, "
                    "while American officials insist the war is the only real subject.",
                    "Kremlin aide Yuri Ushakov said the two leaders would first meet one on one "
                    "with interpreters and then over a working lunch with their delegations.",
                    '"Nobody should expect miracles from one meeting," Peskov said.',
                    "Diplomats in Kyiv fear that a proposal for exchanging territory could be put "
                    "on the table, including a Russian demand for the rest of the Donetsk region "
                    "in exchange for freezing the front elsewhere.",
                    "Zelensky has ruled out giving up land that Russia has failed to capture and "
                    "said the constitution forbids it.",
                ],
            ),
            (
                "No deal in Alaska as Putin and Trump end talks without ceasefire",
                "Alaska summit ends without agreement on Ukraine",
                [
                    "The summit in Anchorage ended after less than three hours with no "
                    "agreement on a ceasefire in Ukraine, although both presidents described "
                    "the talks as productive.",
                    "Putin said in a brief statement that an understanding had been reached that "
                    "he hoped would open the road to peace, without saying what it contained.",
                    "The American president said there was no deal until there was a deal and "
                    "that he would now call Zelensky and European leaders to brief them.",
                    "Zelensky was invited to Washington for talks the following Monday, his "
                    "office said, and European leaders said they would join him.",
                ],
            ),
        ],
        "summaries": [
            (
                "Trump, Putin to meet in Alaska on Friday",
                "The US and Russian presidents will hold a summit in Anchorage on Friday; "
                "Ukraine is not invited and Zelensky warned against decisions taken without "
                "Kyiv.",
            ),
            (
                "Kremlin lowers expectations for Alaska summit",
                "Moscow said the Anchorage meeting would also cover trade and arms control, and "
                "the Kremlin spokesman cautioned against expecting miracles from a single "
                "meeting.",
            ),
        ],
    },
    {
        "quote": '"Every one of them is coming home to a family that waited," Zelensky wrote.',
        "reports": [
            (
                "Hundreds of prisoners return home in largest exchange of the war",
                "Ukraine and Russia swap 390 prisoners each on first day of exchange",
                [
                    "Ukraine and Russia exchanged 390 prisoners each on Friday, the first stage "
                    "of a swap of a thousand per side agreed at the talks in Istanbul, officials "
                    "in both capitals said.",
                    "Buses carrying the freed Ukrainians, among them 120 civilians, arrived at a "
                    "hospital in the Chernihiv region, where relatives waited holding "
                    "photographs and flags.",
                    '"Every one of them is coming home to a family that waited," Zelensky wrote.',
                    "The Russian defence ministry said its released servicemen were in Belarus "
                    "and would be taken to Russia for medical treatment and rehabilitation.",
                    "Further stages of the exchange are to take place over the weekend, with "
                    "the United Arab Emirates again acting as a mediator.",
                ],
            ),
            (
                "Families wait at the border as first prisoners cross back into Ukraine",
                "At the border, a long wait ends for families of prisoners",
                [
                    "For Olena, whose husband was captured at Mariupol three years ago, the news "
                    "came in a phone call at dawn: his name was on the list of 390 Ukrainians "
                    "to be released on Friday.",
                    "The swap, the first part of an exchange agreed in Istanbul, was carried out "
                    "at the border with Belarus under the supervision of the Red Cross, Ukraine's "
                    "coordination headquarters for prisoners of war said.",
                    '"Every one of them is coming home to a family that waited," Zelensky wrote.',
                    "Many of the men who stepped off the buses were visibly thin, and several "
                    "were carried on stretchers, according to photographs released by the "
                    "presidential office.",
                    "Human rights groups say thousands of Ukrainian civilians remain in Russian "
                    "detention without charge and are not covered by the current agreement.",
                ],
            ),
            (
                "Prisoner exchange completed as strikes on Kyiv continue",
                "Final stage of 1,000-for-1,000 swap completed",
                [
                    "Russia and Ukraine completed the exchange of a thousand prisoners each on "
                    "Sunday, the only concrete result so far of the direct talks held in "
                    "Istanbul earlier this month.",
                    "The last 303 Ukrainian servicemen crossed the border in the afternoon, hours "
                    "after one of the largest drone and missile attacks on Kyiv of the war "
                    "killed at least twelve people.",
                    "Zelensky said the strikes showed that Moscow was buying time and called for "
                    "new sanctions, while the Kremlin said a memorandum on a possible peace "
                    "settlement was being drafted.",
                    "Officials in Ankara said Turkey was ready to host a second round of talks "
                    "as soon as both sides had exchanged their proposals.",
                ],
            ),
        ],
        "summaries": [
            (
                "Russia and Ukraine swap 390 prisoners each",
                "Ukraine and Russia exchanged 390 prisoners each on Friday in the first stage "
                "of the thousand-for-thousand swap agreed at the Istanbul talks.",
            ),
            (
                "Freed Ukrainians reach Chernihiv hospital",
                "Buses carrying freed Ukrainian soldiers and civilians reached a hospital in "
                "Chernihiv on Friday, where families waited with photographs.",
            ),
        ],
    },
    {
        "quote": '"This memorandum is not a peace plan, it is a list of demands," Sybiha said.',
        "reports": [
            (
                "Russia hands Ukraine memorandum setting out terms for peace",
                "Moscow's peace memorandum demands neutrality and four regions",
                [
                    "Russia presented Ukraine on Monday with a written memorandum of its "
                    "conditions for ending the war, during a second round of direct talks in "
                    "Istanbul that lasted just over an hour.",
                    "The document, published later by Russian state media, demands that Ukraine "
                    "withdraw from the four regions Moscow claims, renounce membership of "
                    "military alliances and hold elections before a final treaty is signed.",
                    '"This memorandum is not a peace plan, it is a list of demands," Sybiha said.',
                    "The Ukrainian delegation handed over its own proposals, which call for a "
                    "full ceasefire of at least thirty days as a first step and a meeting of the "
                    "two presidents.",
                    "The two sides did agree to return the bodies of six thousand fallen "
                    "soldiers each and to exchange all severely wounded and young prisoners.",
                ],
            ),
            (
                "Second round in Istanbul yields humanitarian steps, not a ceasefire",
                "Istanbul round two: bodies and wounded to be exchanged",
                [
                    "The second meeting between Ukrainian and Russian negotiators in Istanbul "
                    "produced agreements on humanitarian issues but no progress toward a "
                    "ceasefire, officials from both countries said on Monday.",
                    "Umerov told journalists that Kyiv had proposed a new exchange of all "
                    "prisoners and the return of children deported to Russia, and had given "
                    "Moscow a list of several hundred names.",
                    '"This memorandum is not a peace plan, it is a list of demands," Sybiha said.',
                    "Medinsky said Russia had offered a ceasefire of two to three days in some "
                    "areas of the front to allow the collection of bodies from the battlefield.",
                    "Turkish officials said they hoped the two presidents could eventually meet "
                    "in Turkey, but conceded that the gap between the positions remained large.",
                ],
            ),
            (
                "Kyiv rejects Russian memorandum, calls it an ultimatum",
                "Ukraine dismisses Moscow's written terms",
                [
                    "Ukraine's government formally rejected on Wednesday the memorandum Russia "
                    "presented in Istanbul, calling it an ultimatum dressed up as a negotiating "
                    "document.",
                    "Zelensky told a news conference in Kyiv that no Ukrainian leader could sign "
                    "away territory or the country's right to choose its alliances.",
                    "In Moscow, Peskov said Russia expected a substantive response and not "
                    "emotional statements, and that contacts at the level of delegations would "
                    "continue.",
                    "The repatriation of soldiers' bodies agreed at the talks began at the "
                    "border, with the first refrigerated trucks arriving on the Ukrainian side.",
                ],
            ),
        ],
        "summaries": [
            (
                "Russia gives Ukraine written peace terms",
                "At a second round of talks in Istanbul, Russia handed Ukraine a memorandum "
                "demanding four regions and neutrality; the sides agreed to swap bodies of the "
                "fallen.",
            ),
            (
                "Istanbul talks agree humanitarian steps",
                "Ukrainian and Russian negotiators agreed in Istanbul to exchange wounded and "
                "young prisoners and return six thousand bodies each, but not a ceasefire.",
            ),
        ],
    },
    {
        "quote": '"A peace that rewards aggression will not last," Kallas said.',
        "reports": [
            (
                "EU foreign ministers debate security guarantees for postwar Ukraine",
                "Brussels meeting weighs European troops for Ukraine",
                [
                    "European Union foreign ministers meeting in Brussels on Monday discussed "
                    "what security guarantees Europe could offer Ukraine after a ceasefire, "
                    "including the possible deployment of a reassurance force.",
                    "Several ministers said any force would need American support in "
                    "intelligence and air defence, while others questioned whether European "
                    "armies had enough troops to sustain a long mission.",
                    '"A peace that rewards aggression will not last," Kallas said.',
                    "Hungary again blocked a joint statement endorsing the plan, forcing the "
                    "other twenty-six members to issue their own declaration.",
                    "Ukraine's foreign minister, who joined the meeting by video, asked for faster "
                    "deliveries of air defence systems before the winter.",
                ],
            ),
            (
                "Hungary blocks EU statement on Ukraine guarantees",
                "Budapest veto leaves EU split on Ukraine force",
                [
                    "Hungary vetoed a joint European Union declaration on security guarantees "
                    "for Ukraine on Monday, saying Brussels should focus on encouraging peace "
                    "talks rather than planning military deployments.",
                    "Foreign Minister Peter Szijjarto told reporters that sending European "
                    "troops to Ukraine would risk a direct war with Russia and that Hungary "
                    "would not take part.",
                    '"A peace that rewards aggression will not last," Kallas said.',
                    "The declaration signed by the other members commits them to long-term "
                    "military and financial support, but leaves the question of troops to a "
                    "coalition of willing countries led by Britain and France.",
                    "Moscow has said it would consider any Western troops in Ukraine a "
                    "legitimate target, whatever their mandate.",
                ],
            ),
            (
                "Coalition of the willing pledges troops if ceasefire is reached",
                "Twenty-six countries ready to send forces after truce, Macron says",
                [
                    "Twenty-six countries have pledged to contribute to a force to be deployed "
                    "in Ukraine once a ceasefire is reached, Macron said after a meeting of the "
                    "coalition of the willing in Paris on Thursday.",
                    "The force would not be stationed on the front line but would support the "
                    "Ukrainian army and protect critical infrastructure, the French president "
                    "said.",
                    "Zelensky, who attended the meeting, called it the first serious concrete "
                    "step in a long time, while the Kremlin repeated that foreign troops would "
                    "be unacceptable.",
                    "The United States has not said what role it would play, although officials "
                    "in Washington have ruled out sending American soldiers.",
                ],
            ),
        ],
        "summaries": [
            (
                "EU ministers discuss guarantees for Ukraine",
                "Foreign ministers in Brussels discussed security guarantees for Ukraine after "
                "a ceasefire, including a European reassurance force; Hungary blocked a joint "
                "statement.",
            ),
            (
                "Hungary vetoes EU declaration on Ukraine",
                "Budapest blocked an EU statement on Ukraine's security guarantees, with its "
                "foreign minister warning that European troops would risk war with Russia.",
            ),
        ],
    },
    {
        "quote": '"We are ready for any format of meeting," Zelensky said in his evening address.',
        "reports": [
            (
                "Zelensky offers to meet Putin in any format to end war",
                "Ukrainian leader says ready to meet Russian president",
                [
                    "Volodymyr Zelensky said on Tuesday that he was prepared to meet Vladimir "
                    "Putin in person in any format, including a three-way meeting with the "
                    "American president, to move toward an end to the war.",
                    "The Ukrainian president said technical teams should prepare such a meeting "
                    "and that territorial questions could only be discussed at the level of "
                    "leaders.",
                    '"We are ready for any format of meeting," Zelensky said in his evening '
                    "address.",
                    "The Kremlin said a meeting between the two presidents could only crown a "
                    "process of negotiations and should not replace them, and questioned "
                    "whether Zelensky had the legitimacy to sign documents.",
                    "Diplomats mentioned Geneva, Budapest and Istanbul as possible venues.",
                ],
            ),
            (
                "Kremlin cool on Zelensky summit offer",
                "Moscow says leaders' meeting must be carefully prepared",
                [
                    "Russia responded coolly on Wednesday to an offer by Ukraine's president to "
                    "meet Putin, saying such a summit required thorough preparation and could "
                    "not be improvised.",
                    "Foreign Minister Sergei Lavrov said Moscow was not refusing contacts but "
                    "that there was no agenda yet, and that Russia's interests in the areas it "
                    "called its new regions were not up for discussion.",
                    '"We are ready for any format of meeting," Zelensky said in his evening '
                    "address.",
                    "Officials in Washington said the president still hoped to bring both leaders "
                    "together within weeks, though he acknowledged it might be easier to deal "
                    "with them separately first.",
                    "European capitals welcomed Kyiv's offer as evidence that Ukraine was not the "
                    "obstacle to peace.",
                ],
            ),
            (
                "Plans for Putin-Zelensky summit stall as attacks intensify",
                "Leaders' summit recedes as war escalates",
                [
                    "Hopes of an early meeting between the Russian and Ukrainian presidents "
                    "faded on Friday as Moscow launched hundreds of drones at cities across "
                    "Ukraine and said preparations had not even begun.",
                    "Peskov told reporters there was no date and no agenda, and that expert "
                    "level work had to come first.",
                    "Zelensky said the attacks were Russia's answer to peace efforts and asked "
                    "Washington to impose the sanctions it had promised if Moscow refused to "
                    "meet.",
                    "A senior European diplomat said the summit idea was now effectively on ice "
                    "and that attention had shifted back to pressure on Moscow.",
                ],
            ),
        ],
        "summaries": [
            (
                "Zelensky ready to meet Putin 'in any format'",
                "Ukraine's president said he is ready to meet Putin in any format, including "
                "with the US president, and that territory can only be discussed by leaders.",
            ),
            (
                "Moscow says summit needs preparation",
                "The Kremlin said a meeting between Putin and Zelensky must be thoroughly "
                "prepared and could only crown negotiations, after Kyiv offered talks in any "
                "format.",
            ),
        ],
    },
]

# A live blog whose page rolls: each version shows the latest entries and a recap.
LIVE_BLOGS: list[tuple[str, str, list[str]]] = [
    (
        "Live: Russia-Ukraine talks in Istanbul",
        "Catch up: Delegations from Russia and Ukraine are meeting in Istanbul for direct "
        "talks hosted by Turkey. Follow our live coverage below.",
        [
            "09:05 The Ukrainian delegation has arrived at the Dolmabahce palace, according to "
            "a photographer at the scene.",
            "09:20 Russian negotiators are already inside, having arrived about half an hour "
            "earlier by motorcade from their hotel.",
            "09:48 Turkish officials say the session will begin with a short statement by "
            "Foreign Minister Hakan Fidan.",
            "10:15 The talks are under way. Reporters have been asked to leave the hall.",
            "10:40 The Kremlin says it is too early to say how long the meeting will last.",
            "11:02 Zelensky, in Tirana for a European summit, says he has low expectations.",
            "11:35 A source in the Ukrainian delegation says Russia has raised territorial "
            "demands that were not discussed beforehand.",
            "11:58 The meeting has ended after less than two hours, Turkish officials say.",
            "12:20 Both sides say they agreed on an exchange of a thousand prisoners each.",
            "12:45 Medinsky says Russia is satisfied and ready to continue contacts.",
            "13:10 Umerov says the next step could be a meeting of the two presidents.",
            "13:40 European leaders say they will discuss new sanctions on Russia this evening.",
        ],
    ),
    (
        "Live: Alaska summit between Trump and Putin",
        "Catch up: The US and Russian presidents are meeting in Anchorage. Ukraine is not "
        "taking part. Here is what we know so far.",
        [
            "18:02 Air Force One has landed at Joint Base Elmendorf-Richardson.",
            "18:15 Putin's plane touches down a few minutes later, Russian media report.",
            "18:31 The two leaders greet each other on the tarmac and shake hands.",
            "18:44 They ride together to the venue in the American presidential car.",
            "19:05 The meeting in a small format with aides Ushakov and Lavrov has begun.",
            "19:40 Zelensky says Ukraine will not accept any decisions about it without it.",
            "20:10 The working lunch with wider delegations has been cancelled, the White House "
            "says.",
            "20:35 The leaders are due to hold a joint news conference shortly.",
            "20:58 Putin speaks first and says an understanding has been reached.",
            "21:12 The American president says there is no deal until there is a deal.",
            "21:30 No questions were taken from reporters at the end of the appearance.",
            "21:55 Zelensky says he will travel to Washington on Monday.",
        ],
    ),
]

# Paragraphs a republisher adds: local context, a note, a background box.
ADDED_PARAGRAPHS = [
    "Russia launched its full-scale invasion of Ukraine in February 2022. Tens of thousands "
    "of people have been killed and millions have fled their homes since then.",
    "Our correspondent in the region said local residents were following the news closely "
    "but had seen many rounds of talks come and go without changing life at the front.",
    "Background: direct talks between the two countries broke down in the spring of 2022, "
    "weeks after the invasion began, and contacts since then have gone through mediators.",
    "Markets reacted calmly, with the euro little changed and European gas prices edging "
    "lower in early trading.",
    "This story has been updated with comments from officials in Brussels and Washington.",
]

# What sites wrap around a story (each is one site's page furniture).
BOILERPLATES: list[tuple[list[str], list[str]]] = [
    (["0 Comments", "2 minutes read", "5 Views"], ["Recommendations", "Delhi | 25°C (windy)"]),
    (
        ["By Staff Reporter", "Published: 16 May 2025, 14:02 IST", "Share on Facebook Twitter"],
        [
            "Also read: Markets edge up as oil prices fall",
            "© 2025 Daily Courier. All rights reserved.",
        ],
    ),
    (
        ["World | Europe", "Updated 3:45 p.m. ET, May 16, 2025"],
        [
            "Disclaimer: This article was generated in part using artificial intelligence and "
            "may contain errors or omissions. Readers are advised to verify the information",
        ],
    ),
    (
        ["Advertisement", "By ANNA KOVAL and JOHN HARRIS Associated Press"],
        [
            "Copyright 2025 The Associated Press. All rights reserved. This material may not "
            "be published, broadcast, rewritten or redistributed.",
        ],
    ),
    (
        ["Share", "Tweet", "Email", "4 min read"],
        ["(Reporting by Anna Koval; Editing by John Harris)", "Sign up for our newsletter"],
    ),
    (["Listen to this article", "12 Comments"], ["Read more", "Most Read", "Trending"]),
]

DATELINES = [
    "ISTANBUL (AP) — ",
    "KYIV, Ukraine (AP) — ",
    "MOSCOW (Reuters) - ",
    "BRUSSELS, May 16 (Reuters) - ",
    "",
]

# Short feed summaries of one running story in one outlet's house template: the same
# frame, different facts. Different articles, however alike they read.
TEMPLATED_SUMMARIES: list[tuple[tuple[str, str], tuple[str, str]]] = [
    (
        (
            "Russia and Ukraine swap 390 prisoners each",
            "Russia and Ukraine exchanged 390 prisoners each on Friday, the first stage of a "
            "swap agreed at talks in Istanbul, officials said.",
        ),
        (
            "Russia and Ukraine swap 307 prisoners each",
            "Russia and Ukraine exchanged 307 prisoners each on Saturday, the second stage of a "
            "swap agreed at talks in Istanbul, officials said.",
        ),
    ),
    (
        (
            "Second round of talks to be held in Istanbul on Monday",
            "Russian and Ukrainian delegations will meet in Istanbul on Monday for a second "
            "round of direct talks, Turkey's foreign ministry said on Thursday.",
        ),
        (
            "Third round of talks to be held in Istanbul on Wednesday",
            "Russian and Ukrainian delegations will meet in Istanbul on Wednesday for a third "
            "round of direct talks, the Kremlin said on Monday.",
        ),
    ),
    (
        (
            "Drone attack on Kyiv kills 12 as talks stall",
            "A Russian drone and missile attack on Kyiv killed at least 12 people overnight, "
            "officials said, as peace talks showed no sign of progress.",
        ),
        (
            "Missile attack on Odesa kills 4 as talks stall",
            "A Russian missile attack on Odesa killed at least 4 people overnight, regional "
            "officials said, as efforts to revive peace talks faltered.",
        ),
    ),
    (
        (
            "Kremlin says no date set for Putin-Zelensky meeting",
            "The Kremlin said on Tuesday that no date had been set for a meeting between "
            "Vladimir Putin and Volodymyr Zelensky and that preparations had not begun.",
        ),
        (
            "Kremlin says no agenda yet for Putin-Trump call",
            "The Kremlin said on Friday that there was no agenda yet for a phone call between "
            "Vladimir Putin and the US president and that contacts continued.",
        ),
    ),
    (
        (
            "EU agrees 17th sanctions package against Russia",
            "European Union ambassadors agreed on Wednesday a 17th package of sanctions against "
            "Russia, targeting nearly 200 vessels of its shadow fleet, diplomats said.",
        ),
        (
            "EU agrees 18th sanctions package against Russia",
            "European Union ambassadors agreed on Friday an 18th package of sanctions against "
            "Russia, lowering the price cap on its oil and targeting banks, diplomats said.",
        ),
    ),
    (
        (
            "Ukraine says Russia violated Easter truce 2,000 times",
            "Ukraine's military said on Sunday that Russian forces had violated the Easter "
            "truce declared by Putin almost 2,000 times, mostly near Pokrovsk.",
        ),
        (
            "Russia says Ukraine violated May truce 700 times",
            "Russia's defence ministry said on Friday that Ukrainian forces had violated the "
            "May truce declared by Putin more than 700 times, mostly in the Kursk region.",
        ),
    ),
]


def write_pairs(pairs: list[tuple[str, int, str, str]], out: Path, joined: str) -> None:
    """Write labelled pairs `(kind, label, a, b)` as JSON lines with ids, and say how many
    were `joined` (label 1) and how many different."""
    rows = [
        {"id": i, "kind": kind, "label": label, "a": a, "b": b}
        for i, (kind, label, a, b) in enumerate(pairs)
    ]
    out.parent.mkdir(parents=True, exist_ok=True)
    with out.open("w", encoding="utf-8") as fh:
        for row in rows:
            fh.write(json.dumps(row, ensure_ascii=False) + "\n")
    positives = sum(r["label"] for r in rows)
    print(f"{len(rows)} pairs ({positives} {joined}, {len(rows) - positives} different) -> {out}")
