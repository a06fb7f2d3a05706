"""The bundled knowledge base: every fact of the guide, in lists people can walk."""


def test_the_guide_has_its_five_steps_six_duties_and_eight_skills_in_order(bot):
    kb = bot.content
    assert [i.id for i in kb.categories["steps"].items] == [
        "step.education", "step.experience", "step.certification", "step.production-stages", "step.job-search"]
    assert len(kb.categories["duties"].items) == 6
    assert [i.title for i in kb.categories["skills"].items][:5] == [
        "Analysis", "Communication", "Maths", "Problem-solving", "Teamwork"]
    assert kb.categories["steps"].ordered and not kb.categories["skills"].ordered


def test_every_item_has_a_short_and_a_longer_answer_and_its_section(bot):
    for item in bot.content.items.values():
        assert item.short and item.long and len(item.long) > len(item.short)
        assert item.section and item.synonyms and item.ask


def test_neighbours_walk_a_list_and_stop_at_its_ends(bot):
    kb = bot.content
    first = kb.item("step.education")
    assert kb.neighbour(first, 1).id == "step.experience"
    assert kb.neighbour(first, -1) is None
    assert kb.neighbour(kb.item("skill.motor"), 1) is None


def test_related_topics_point_at_what_the_guide_does_explain(bot):
    for item in bot.content.categories["topics"].items:
        assert item.see_also and all(ref in bot.content.items for ref in item.see_also)
