"""How replies are worded: from the data, in one voice, and always with an offer of where to go next."""

from chatbot.dialogue import answers
from chatbot.dialogue.answers import Answer


def test_finish_adds_the_offer_of_the_first_two_suggestions():
    text = answers.finish(Answer("Body.", ("A?", "B?", "C?")))
    assert text == 'Body.\n\nYou could ask: "A?" or "B?"'
    assert answers.finish(Answer("Body.")) == "Body."


def test_an_item_is_introduced_by_its_category_label(bot):
    assert bot.ask("what is step 3").body.startswith("Step 3 of 5: Become certified. ")
    assert bot.ask("tell me about teamwork").body.startswith("Teamwork. ")
    role = bot.ask("what is a production technician")
    assert role.body == bot.content.item("role.what").short  # the role's label is null: no heading


def test_a_list_is_numbered_and_sourced_item_by_item(bot):
    reply = bot.ask("what are the duties")
    assert "\n1. Testing equipment\n" in reply.body
    assert [s.id for s in reply.sources] == [i.id for i in bot.content.categories["duties"].items]


def test_not_covered_names_the_subject_and_points_elsewhere(bot):
    reply = bot.ask("what is the salary like")
    assert "doesn't cover pay or salary" in reply.body
    assert bot.content.guide.covers in reply.body
    assert bot.content.item("role.what").ask in reply.suggestions


def test_every_fallback_says_what_the_guide_covers(bot):
    for question in ("zorblax", "what's the weather", "how much do they earn", "tell me more"):
        assert bot.content.guide.covers in bot.ask(question).body


def test_questions_about_items_come_from_the_category_templates(bot):
    steps = bot.content.categories["steps"]
    assert [item.ask for item in steps.items][:2] == ["What is step 1?", "What is step 2?"]
    assert "Tell me more about step 3" in bot.ask("what is step 3").suggestions
    assert "Tell me more about teamwork" in bot.ask("teamwork").suggestions
