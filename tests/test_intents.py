"""The bundled intents: what a question can ask for, and the vocabulary they share."""

from chatbot.intents import ANSWERS


def test_the_intents_the_issue_asks_for_are_there(bot):
    assert {"about_role", "workplaces", "list_steps", "explain_step", "first_step", "list_duties",
            "explain_duty", "list_skills", "explain_skill", "summary", "greeting", "thanks", "goodbye",
            "help", "identity", "not_covered", "out_of_scope"} <= set(bot.intents)


def test_a_slot_intent_takes_any_item_of_its_category(bot):
    slots = {intent.slot for intent in bot.intents.values() if intent.slot}
    assert {"steps", "duties", "skills", "topics"} <= slots


def test_every_intent_is_well_formed(bot):
    for intent in bot.intents.values():
        assert intent.answer in ANSWERS and intent.examples
        assert intent.source.split(":")[1].isdigit()  # file:line, for reports


def test_every_gap_says_what_it_is_about_and_where_to_look_instead(bot):
    for gap in bot.vocabulary.gaps.values():
        assert gap.subject and gap.synonyms
        assert all(ref in bot.knowledge.items or ref in bot.knowledge.categories for ref in gap.see_instead)
