"""How replies are worded: one voice, and always an offer of where to go next."""

from chatbot import answers
from chatbot.answers import Answer


def test_finish_adds_the_offer_of_the_first_two_suggestions():
    text = answers.finish(Answer("Body.", ("A?", "B?", "C?")))
    assert text == 'Body.\n\nYou could ask: "A?" or "B?"'
    assert answers.finish(Answer("Body.")) == "Body."


def test_a_step_is_introduced_by_its_place(bot):
    kb = bot.knowledge
    assert answers.heading(kb, kb.item("step.certification")) == "Step 3 of 5: Become certified"
    assert answers.heading(kb, kb.item("skill.teamwork")) == "Teamwork"


def test_a_list_is_numbered_and_sourced_item_by_item(bot):
    answer = answers.list_category(bot.knowledge, "duties", bot.intents["list_duties"])
    assert "\n1. Testing equipment\n" in answer.body
    assert [s.id for s in answer.sources] == [i.id for i in bot.knowledge.categories["duties"].items]


def test_not_covered_names_the_subject_and_points_elsewhere(bot):
    gap = bot.vocabulary.gaps["pay"]
    answer = answers.not_covered(bot.knowledge, bot.intents["not_covered"], gap)
    assert "doesn't cover pay or salary" in answer.body
    assert bot.knowledge.item("role.what").ask in answer.suggestions
