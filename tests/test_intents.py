"""The bundled intents: what a question can ask for, and the vocabulary they share."""

from chatbot.content.model import AnswerKind


def test_the_intents_the_issue_asks_for_are_there(bot):
    assert {"about_role", "workplaces", "list_steps", "explain_step", "first_step", "list_duties",
            "explain_duty", "list_skills", "explain_skill", "summary", "greeting", "thanks", "goodbye",
            "help", "identity", "not_covered", "out_of_scope"} <= set(bot.content.intents)


def test_a_slot_intent_takes_any_item_of_its_category(bot):
    slots = {intent.slot for intent in bot.content.intents.values() if intent.slot}
    assert {"steps", "duties", "skills", "topics"} <= slots


def test_every_intent_is_well_formed(bot):
    for intent in bot.content.intents.values():
        assert isinstance(intent.answer, AnswerKind) and intent.examples
        assert intent.origin.path.endswith(".yaml") and intent.origin.line > 0  # file:line, for reports


def test_every_gap_says_what_it_is_about_and_where_to_look_instead(bot):
    for gap in bot.content.gaps.values():
        assert gap.subject and gap.synonyms
        assert all(ref in bot.content.items or ref in bot.content.categories for ref in gap.see_instead)
