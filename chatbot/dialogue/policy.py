"""Decide what a question gets, from its parse and the conversation: parse + state -> `Decision`.

The policy is a pure function. It reads the `Parse` (never tokens) and the conversation's state
(never changes it), and returns a `Decision`: which rule fired, the candidates it weighed, the
margin that settled it, what to answer, and the conversation's next state. `answers.compose`
turns a decision into a reply; `explain` prints the same decision, so the two cannot disagree.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass, replace

from ..content.model import Action, AnswerKind, Content, Item
from ..settings import Tuning
from ..understanding.parse import Candidate, Detail, Parse, Refers
from .conversation import Choice, Conversation

OVERVIEW_LISTS = 3
"""How many lists a question must name to be asking for the overview."""
ANSWERING = frozenset({AnswerKind.ITEM, AnswerKind.ITEMS, AnswerKind.LIST, AnswerKind.SUMMARY})
"""Kinds of answer that come from the guide itself (and so can be offered as a guess)."""
MAX_ITEMS = 3
"""At most this many items named together are explained in one answer."""
MAX_GUESSES = 3
"""An unsure reply offers at most this many guesses at what was meant."""


class Rule(enum.Enum):
    """The rule that settled a question."""

    ANSWER = "answer"
    """The best candidate clears the threshold."""
    SPECIFIC = "specific"
    """A named item was preferred to the list of its kind, which scored a little higher."""
    CLARIFY = "clarify"
    """One phrase names two things that score too close to call: the bot asks which."""
    CLARIFIED = "clarified"
    """The question answered the clarifying question before it."""
    PAST_THE_END = "past_the_end"
    """The question names a place past the end of a list ("the ninth step" of five)."""
    NAMED = "named"
    """Below the threshold, but the question names one item and the best candidate answers it:
    its wording matched no example well, yet there is no doubt what it is about."""
    UNSURE = "unsure"
    """No candidate clears the threshold: a fallback with the closest guesses."""
    FOLLOW_UP = "follow_up"
    """A follow-up (next, previous, more, a question about "it") read against the conversation."""
    DESCRIBED = "described"
    """The question picked an item of the list in view by describing it ("the detail one")."""
    MOVE = "move"
    """A step to a neighbouring item, from the item named or the current one ("the one after inventory")."""
    END_OF_LIST = "end_of_list"
    """A next or previous with nothing further that way."""
    NO_CONTEXT = "no_context"
    """A follow-up with nothing to follow."""


class Reaction(enum.Enum):
    """What kind of reply a decision asks for, beyond an intent's own answer."""

    INTENT = "intent"
    """The intent's own answer (an item, a list, small talk, not covered...)."""
    UNSURE = "unsure"
    CLARIFY = "clarify"
    END_OF_LIST = "end_of_list"
    NO_SUCH_PLACE = "no_such_place"
    NO_CONTEXT = "no_context"


@dataclass(frozen=True)
class Decision:
    """Everything the policy decided about one question, as plain values."""

    rule: Rule
    reaction: Reaction
    intent: str
    """The intent the reply reports: an intent's name, or `clarify`, `end_of_list`, `no_context`, `fallback`."""
    confidence: float
    state: Conversation
    """The conversation after this question (a new value; the caller's is untouched)."""
    fallback: bool = False
    items: tuple[str, ...] = ()
    """The items answered (an item answer), or the current item of an end-of-list reply."""
    category: str | None = None
    """The list answered, or the list of a place past its end."""
    detail: Detail = Detail.SHORT
    gap: str | None = None
    place: int | None = None
    """For a place past the end: the place asked for."""
    direction: int = 0
    """For the end of a list: +1 past its end, -1 before its start."""
    chosen: Candidate | None = None
    """The candidate answered (for follow-ups, the follow-up intent's candidate)."""
    rival: Candidate | None = None
    """The best candidate that would have given a different answer."""
    candidates: tuple[Candidate, ...] = ()
    """Everything weighed, best first."""
    options: tuple[Choice, ...] = ()
    """For a clarifying question: the choices, in order."""
    guesses: tuple[str, ...] = ()
    """For an unsure reply: what the question most likely asked for (item ids, or category names
    for a list), best first; none when nothing came close."""
    context: str | None = None
    """How the conversation filled in the question, if it did."""
    threshold: float = 0.0
    clarify_margin: float = 0.0

    @property
    def margin(self) -> float | None:
        """How far the answer's candidate led the best rival, when there was one."""
        if self.chosen is None or self.rival is None:
            return None
        return self.chosen.score - self.rival.score


def decide(parse: Parse, conversation: Conversation, content: Content, tuning: Tuning) -> Decision:
    """The decision for one parsed question in one conversation."""
    return _Policy(content, tuning).decide(parse, conversation)


@dataclass(frozen=True)
class _Policy:
    content: Content
    tuning: Tuning

    def decide(self, parse: Parse, conversation: Conversation) -> Decision:
        state = replace(conversation, pending=(), turns=conversation.turns + 1)
        candidates = parse.candidates
        if conversation.pending:
            chosen = self._choose(conversation.pending, parse)
            if chosen is not None:
                return self._answer(Rule.CLARIFIED, chosen, parse, state, candidates,
                                    context="answer to the clarifying question")
        place = parse.place
        if place is not None and place.category is None:  # "the third one" with no list shown yet
            return self._decision(Rule.NO_CONTEXT, Reaction.NO_CONTEXT, "no_context", 1.0, state, candidates,
                                  fallback=True)
        if place is not None and place.item is None:  # "the ninth step" of five
            return self._decision(Rule.PAST_THE_END, Reaction.NO_SUCH_PLACE, "end_of_list", 1.0, state,
                                  candidates, category=place.category, place=place.number)
        best = parse.best
        overview = self._overview(parse)
        if overview is not None:
            return self._answer(Rule.ANSWER, overview, parse, state, candidates, context="every list it names")
        described = self._described(parse, state)
        if described is not None:
            return self._answer(Rule.DESCRIBED, described, parse, state, candidates,
                                context=f"the one of the {state.listed} it describes")
        linked = self._linked(parse, state)
        if linked is not None:
            return self._answer(Rule.FOLLOW_UP, linked, parse, state, candidates,
                                context=f"the {self.content.items[linked.items[0]].category} linked to {state.item}")
        if parse.move is not None:
            moved = self._move(parse, state, best)
            if moved is not None:
                return moved
        about_current = self._about_current(parse, state, best)
        if about_current is not None:
            return about_current
        if best is not None and best.score < self.tuning.threshold and self._names_it(best, parse):
            return self._answer(Rule.NAMED, best, parse, state, candidates)
        if best is None or best.score < self.tuning.threshold:
            return self._decision(Rule.UNSURE, Reaction.UNSURE, "fallback", best.score if best else 0.0, state,
                                  candidates, fallback=True, chosen=best, guesses=self._guesses(parse))
        if self.content.intents[best.intent].answer is AnswerKind.FOLLOWUP:
            other = self._without_context(best, parse, state)
            if other is None:
                return self._follow_up(best, parse, state)
            best = other
        rule = Rule.ANSWER
        specific = self._prefer_specific(best, candidates, parse)
        if specific is not best:
            rule, best = Rule.SPECIFIC, specific
        rival = next((c for c in candidates[1:] if self._answer_key(best) != self._answer_key(c)), None)
        choice = self._ambiguity(best, rival, parse)
        if choice is not None:
            options = tuple(Choice(c.intent, c.items[0] if c.items else None, c.score) for c in choice)
            return self._decision(Rule.CLARIFY, Reaction.CLARIFY, "clarify", choice[0].score,
                                  replace(state, pending=options), candidates, fallback=True, chosen=choice[0],
                                  rival=choice[1], options=options)
        context = None
        if place is not None and place.implied and place.item in best.items:
            context = f"item {place.number} of the {place.category}"
        return self._answer(rule, best, parse, state, candidates, context=context, rival=rival)

    def _without_context(self, best: Candidate, parse: Parse, state: Conversation) -> Candidate | None:
        """With nothing to follow up, a follow-up reading gives way to the best reading that stands on
        its own, when there is one above the threshold ("before I go any further, give me the gist
        of this job" is not a request for more of nothing)."""
        if state.item or state.listed or parse.items or parse.categories:
            return None
        intents = self.content.intents
        return next((c for c in parse.candidates if intents[c.intent].answer is not AnswerKind.FOLLOWUP
                     and c.score >= self.tuning.threshold), None)

    def _about_current(self, parse: Parse, state: Conversation, best: Candidate | None) -> Decision | None:
        """A question that points back at the current item ("what is it for?", "who with?") or
        asks about a detail of it ("like reports?"): the current item's longer answer."""
        if state.item is None or not parse.refers:
            return None
        item = self.content.item(state.item)
        if parse.refers is Refers.DETAIL:
            if not self._detail_of_current(parse, item.id):
                return None
            follow = Candidate(self.content.answering[item.id], best.score if best else 0.0, "")
            context = f"a detail of {item.id}"
        elif self._self_contained(best, parse.refers):
            return None
        else:
            follow = best or Candidate(self.content.answering[item.id], self.tuning.threshold, "")
            context = f"a question about {item.id}"
        return self._explain(item, follow, state, context, detail=Detail.LONG,
                             confidence=max(follow.score, self.tuning.threshold))

    def _detail_of_current(self, parse: Parse, current: str) -> bool:
        """Whether the current item's own texts are nearly as good evidence for the question's
        words as any item it names (`detail_ratio`): "what kind of faults?" after testing equipment is about its
        faults, "what about teamwork?" after communication is about teamwork."""
        score = {found.item: found.score for found in parse.evidence}
        named = {item for items in parse.named for item in items} - {current}
        ratio = self.tuning.detail_ratio
        return current in score and all(score[current] >= ratio * score.get(item, 0.0) for item in named)

    def _self_contained(self, best: Candidate | None, refers: Refers = Refers.NO) -> bool:
        """True when the best candidate answers the question on its own, with confidence: then it
        wins over anything the conversation might suggest. Small talk does from the threshold over a
        mere pointer ("ok that's enough, bye"), never over a bare question about the current item
        ("who with?" is not "who are you?")."""
        if best is None:
            return False
        answer = self.content.intents[best.intent].answer
        if answer is AnswerKind.TEXT and refers is Refers.POINTER:  # "ok that's enough, bye"
            return best.score >= self.tuning.threshold
        if best.score < self.tuning.context_confident:
            return False
        return answer is not AnswerKind.FOLLOWUP and not (refers is Refers.QUESTION and answer is AnswerKind.TEXT)

    def _move(self, parse: Parse, state: Conversation, best: Candidate | None) -> Decision | None:
        """A step to a neighbouring item ("the one after inventory", "what precedes it"), from the
        item named or the current one, unless a confident answer of another kind says otherwise."""
        move = parse.move
        assert move is not None
        content = self.content
        anchors = [i for i in move.anchor if content.items[i].category in content.lists] or list(move.anchor)
        anchor = anchors[0] if anchors else state.item
        if anchor is None or content.items[anchor].category not in content.lists:
            return None
        if best is not None and self._self_contained(best) and best.items != (anchor,):
            return None
        named = parse.categories[0] if parse.categories else None
        if not move.anchor and named and (content.items[anchor].category != named or not parse.singular):
            # "back to the skills", "back to the duties" after a duty: the list; "the previous duty" moves
            listing = Candidate(content.list_intents[named], max(best.score if best else 0.0, self.tuning.threshold), "")
            return self._answer(Rule.FOLLOW_UP, listing, parse, state, parse.candidates,
                                context=f"the list of the {named}")
        current = content.item(anchor)
        neighbour = content.neighbour(current, move.direction)
        word = "next" if move.direction > 0 else "previous"
        context = f"{word} after {current.id}"
        confidence = max(best.score if best else 0.0, self.tuning.move_confidence)
        candidate = best or Candidate(content.answering[anchor], confidence, "")
        state = replace(state, item=anchor)
        if neighbour is None:
            return self._decision(Rule.END_OF_LIST, Reaction.END_OF_LIST, "end_of_list", confidence, state,
                                  parse.candidates, items=(current.id,), category=current.category,
                                  direction=move.direction, chosen=candidate, context=context)
        return self._explain(neighbour, candidate, state, context, confidence=confidence, rule=Rule.MOVE)

    def _guesses(self, parse: Parse) -> tuple[str, ...]:
        """What an unsure question most likely asked for, as item ids or category names (a list),
        best first: candidates from the guide that came close, then the items its words point at."""
        content, tuning = self.content, self.tuning
        refs: list[str] = []
        for candidate in parse.candidates:
            intent = content.intents[candidate.intent]
            if candidate.score < tuning.guess_floor or intent.answer not in ANSWERING:
                continue
            ref = candidate.items[0] if candidate.items else intent.item or (
                intent.category if intent.answer is AnswerKind.LIST else None)
            if ref:
                refs.append(ref)
        refs += [found.item for found in parse.evidence if found.coverage >= tuning.guess_coverage]
        return tuple(dict.fromkeys(refs))[:MAX_GUESSES]

    def _names_it(self, best: Candidate, parse: Parse) -> bool:
        """True when the question names exactly one item, unambiguously, and the best candidate
        is the intent that answers that item, scoring at least the named-item floor."""
        if len(parse.named) != 1 or len(parse.named[0]) != 1 or best.score < self.tuning.named_floor:
            return False
        item = parse.named[0][0]
        return best.items == (item,) and self.content.answering.get(item) == best.intent

    def _decision(self, rule: Rule, reaction: Reaction, intent: str, confidence: float, state: Conversation,
                  candidates: tuple[Candidate, ...], **values: object) -> Decision:
        confidence = self._calibrated(rule, confidence, values.get("chosen"), values.get("rival"))
        return Decision(rule, reaction, intent, max(0.0, min(1.0, confidence)), state, candidates=candidates,
                        threshold=self.tuning.threshold, clarify_margin=self.tuning.clarify_margin,
                        **values)  # type: ignore[arg-type]

    def _calibrated(self, rule: Rule, confidence: float, chosen: object, rival: object) -> float:
        """The confidence a caller can act on: a reading of the conversation ("tell me more",
        "what is it for?") is less sure than an answer that stands on its own, and an answer with a
        close rival of another kind less sure than its score alone says."""
        tuning = self.tuning
        if rule in (Rule.FOLLOW_UP, Rule.NO_CONTEXT):
            confidence = min(confidence, tuning.follow_up_cap)
        if isinstance(chosen, Candidate) and isinstance(rival, Candidate):
            confidence -= tuning.rival_penalty * max(0.0, tuning.rival_margin - (chosen.score - rival.score))
        return confidence

    def _doubt(self, items: tuple[str, ...], parse: Parse) -> float:
        """How much less sure an item answer is when the question's words clearly point at another
        item than the one it names."""
        if not items or not parse.evidence or parse.place is not None:  # "step 3" is named by its place
            return 0.0
        scores = {found.item: found.score for found in parse.evidence}
        top = parse.evidence[0]
        if top.item in items or top.score < self.tuning.doubt_ratio * scores.get(items[0], 0.0) \
                or top.coverage < self.tuning.doubt_coverage:
            return 0.0
        return self.tuning.doubt

    def _answer(self, rule: Rule, candidate: Candidate, parse: Parse, state: Conversation,
                candidates: tuple[Candidate, ...], *, context: str | None = None,
                rival: Candidate | None = None) -> Decision:
        """The intent's own answer; an item answer makes its item current, a list its list."""
        intent = self.content.intents[candidate.intent]
        items: tuple[str, ...] = ()
        if intent.answer in (AnswerKind.ITEM, AnswerKind.ITEMS):
            items = (candidate.items or ((intent.item,) if intent.item else intent.items))[:MAX_ITEMS]
            state = self._focus_on(self.content.item(items[0] if intent.answer is AnswerKind.ITEMS else items[-1]),
                                   state)
        elif intent.answer is AnswerKind.LIST:
            state = replace(state, item=None, listed=intent.category)
        return self._decision(rule, Reaction.INTENT, intent.name, candidate.score - self._doubt(items, parse), state,
                              candidates, fallback=intent.is_fallback, items=items, category=intent.category,
                              detail=parse.detail, gap=candidate.gap, chosen=candidate, rival=rival, context=context)

    def _follow_up(self, candidate: Candidate, parse: Parse, state: Conversation) -> Decision:
        """next / previous / more / "do I need it?": all lean on the current item."""
        content, candidates = self.content, parse.candidates
        action = content.intents[candidate.intent].action
        walking = action in (Action.NEXT, Action.PREVIOUS)
        if parse.items:  # "tell me more about teamwork", "what comes after step 2": no context needed
            state = replace(state, item=parse.items[0])
        named = parse.categories[0] if parse.categories else None
        current = content.items.get(state.item) if state.item else None
        if named and (current is None or walking and (current.category != named or not parse.singular)):
            # "back to the skills" after a skill, or after a duty: the list; "the previous skill" moves
            listing = Candidate(content.list_intents[named], candidate.score, candidate.example)
            return self._answer(Rule.FOLLOW_UP, listing, parse, state, candidates, context=f"the list of the {named}")
        if current is None:
            return self._decision(Rule.NO_CONTEXT, Reaction.NO_CONTEXT, "no_context", candidate.score, state,
                                  candidates, fallback=True, chosen=candidate)
        if walking and current.category not in content.lists:
            if state.listed is None:
                return self._decision(Rule.NO_CONTEXT, Reaction.NO_CONTEXT, "no_context", candidate.score, state,
                                      candidates, fallback=True, chosen=candidate)
            first = content.categories[state.listed].items[0]
            return self._explain(first, candidate, state, f"first of the {state.listed}")
        if walking:
            step = 1 if action is Action.NEXT else -1
            neighbour = content.neighbour(current, step)
            context = f"{action.value} after {current.id}"  # type: ignore[union-attr]
            if neighbour is None:
                return self._decision(Rule.END_OF_LIST, Reaction.END_OF_LIST, "end_of_list", candidate.score, state,
                                      candidates, items=(current.id,), category=current.category, direction=step,
                                      chosen=candidate, context=context)
            return self._explain(neighbour, candidate, state, context)
        detail = Detail.LONG if action is Action.MORE else Detail.SHORT
        return self._explain(current, candidate, state, f"{action.value} about {current.id}",  # type: ignore[union-attr]
                             detail=detail)

    def _explain(self, item: Item, candidate: Candidate, state: Conversation, context: str, *,
                 detail: Detail = Detail.SHORT, confidence: float | None = None,
                 rule: Rule = Rule.FOLLOW_UP) -> Decision:
        """Answer about `item` as the intent that answers it on its own would."""
        intent = self.content.answering[item.id]
        score = candidate.score if confidence is None else confidence
        return self._decision(rule, Reaction.INTENT, intent, score, self._focus_on(item, state),
                              (candidate,), items=(item.id,), detail=detail, chosen=candidate, context=context)

    def _focus_on(self, item: Item, state: Conversation) -> Conversation:
        """`item` becomes the current one; its list becomes the one "the third one" reads, if it is
        a list people walk."""
        listed = item.category if item.category in self.content.lists else state.listed
        return replace(state, item=item.id, listed=listed)

    def _choose(self, options: tuple[Choice, ...], parse: Parse) -> Candidate | None:
        """Which option of a clarifying question the question picked: by its place ("the second"),
        by naming its kind ("the skill") or its item, or by describing it ("the one about machines":
        the option whose item the question's words point at clearly more)."""
        picked = None
        if parse.pick is not None and 0 < parse.pick <= len(options):
            picked = options[parse.pick - 1]
        else:
            picked = next((o for o in options if o.item and o.item in parse.items), None)
        if picked is None:
            for category in parse.categories:
                picked = next((o for o in options if self._kind_of(o) == category), None)
                if picked is not None:
                    break
        if picked is None:
            scores = {found.item: found.score for found in parse.evidence}
            ranked = sorted(options, key=lambda o: -scores.get(o.item or "", 0.0))
            first, second = (scores.get(o.item or "", 0.0) for o in ranked[:2])
            if first > 0 and first >= self.tuning.evidence_ratio * second:
                picked = ranked[0]
        if picked is None or picked.intent not in self.content.intents:
            return None
        return Candidate(picked.intent, picked.score, "", (picked.item,) if picked.item else ())

    def _overview(self, parse: Parse) -> Candidate | None:
        """A question that names three lists or more ("the steps, the duties and the skills") asks
        for the overview, when the guide has one."""
        named = {c for c in parse.categories if c in self.content.lists}
        if len(named) < OVERVIEW_LISTS or len(named) < len(self.content.lists) - 1 or parse.items:
            return None
        intent = next((i for i in self.content.intents.values() if i.answer is AnswerKind.SUMMARY), None)
        if intent is None:
            return None
        return Candidate(intent.name, max(self.tuning.threshold, parse.best.score if parse.best else 0.0), "")

    def _described(self, parse: Parse, state: Conversation) -> Candidate | None:
        """The item of the list in view a question picks by describing it ("the detail one"):
        the one its words clearly point at, among that list's items only."""
        if not parse.describes or state.listed is None or state.listed not in self.content.lists:
            return None
        if any(self.content.items[i].category == state.listed for i in parse.items):
            return None  # it names one of them: answered as named
        ranked = [f for f in parse.evidence if self.content.items[f.item].category == state.listed]
        if not ranked or ranked[0].score < self.tuning.describe_min:
            return None
        if len(ranked) > 1 and ranked[0].score < self.tuning.evidence_ratio * ranked[1].score:
            return None
        item = ranked[0].item
        return Candidate(self.content.answering[item], max(self.tuning.threshold, parse.best.score if parse.best else 0.0),
                         "", (item,))

    def _linked(self, parse: Parse, state: Conversation) -> Candidate | None:
        """An item linked to the current one (see_also, either way), when the question asks for
        the other side of the link: by a slot word or by naming a list in the singular."""
        if state.item is None or parse.items or parse.move:
            return None
        current = self.content.item(state.item)
        return self._linked_by_slot(parse, current) or self._linked_by_list(parse, current)

    def _linked_by_slot(self, parse: Parse, current: Item) -> Candidate | None:
        """"Any general tips?" after a skill: the one item it links to in the slot a word points at."""
        linked = [i for i in current.see_also if self.content.items[i].category in parse.slots]
        return self._about(linked[0], parse) if len(linked) == 1 else None

    def _linked_by_list(self, parse: Parse, current: Item) -> Candidate | None:
        """"And the duty version?" after a skill: the one item of the list named in the singular
        that the current item is linked to; "the skill", just after one: that one, not the list."""
        content = self.content
        if not parse.singular or parse.place or parse.categories[0] not in content.lists:
            return None
        category = parse.categories[0]
        if current.category == category:
            listed = parse.best is not None and parse.best.intent == content.list_intents[category]
            return self._about(current.id, parse) if listed else None
        both = {i for i in current.see_also if content.items[i].category == category}
        both |= {i.id for i in content.items.values() if i.category == category and current.id in i.see_also}
        return self._about(both.pop(), parse) if len(both) == 1 else None

    def _about(self, item: str, parse: Parse) -> Candidate:
        """An answer about `item` that the conversation implies, as sure as the question's best reading."""
        score = max(self.tuning.threshold, parse.best.score if parse.best else 0.0)
        return Candidate(self.content.answering[item], score, "", (item,))

    def _kind_of(self, option: Choice) -> str | None:
        """The category an option answers from."""
        intent = self.content.intents.get(option.intent)
        return (intent.slot or intent.category) if intent else None

    def _prefer_specific(self, best: Candidate, candidates: tuple[Candidate, ...], parse: Parse) -> Candidate:
        """A question that names an item is about that item, even when it reads a little more like
        something else: the list of its kind ("I'm a perfectionist, is that good for this job?"),
        or an answer that ignores the item ("what do they mean by analysis" is not about the job
        as a whole). Not when the best is a fallback: "how much does certification cost" asks
        about a gap, whatever it names."""
        intent = self.content.intents[best.intent]
        named = set(parse.items)
        if intent.answer is AnswerKind.LIST:
            margin = self.tuning.specific_margin
        elif intent.answer is AnswerKind.ITEM and intent.item is not None:
            margin = self.tuning.named_margin
        else:
            return best
        if not named or intent.item in named:
            return best
        for candidate in candidates:
            slot = self.content.intents[candidate.intent].slot
            if (slot and set(candidate.items) & named and candidate.score >= self.tuning.threshold
                    and best.score - candidate.score <= margin):
                return candidate
        return best

    def _answer_key(self, candidate: Candidate) -> str:
        """What a candidate answers: its main item, the list it shows, or else its intent."""
        intent = self.content.intents[candidate.intent]
        main = candidate.items or ((intent.item,) if intent.item else intent.items)
        if main:
            return main[0]
        return f"list:{intent.category}" if intent.answer is AnswerKind.LIST else intent.name

    def _ambiguity(self, best: Candidate, rival: Candidate | None,
                   parse: Parse) -> tuple[Candidate, Candidate] | None:
        """The two readings to ask about, when the one phrase that names something in the question
        could mean two things: two items of one kind ("testing": of equipment, or quality
        control?), or two of different kinds that score too close to call. Not when one merely
        supports the other (a skill and the related article about it are one subject)."""
        if not best.items or len(parse.named) != 1:
            return None  # nothing named, or other words of the question already say which
        phrase = parse.named[0]
        named = [i for i in phrase if i in best.items]
        if len(named) > 1:
            return replace(best, items=(named[0],)), replace(best, items=(named[1],))
        if rival is None or not rival.items or best.score - rival.score >= self.tuning.clarify_margin:
            return None
        first, second = self.content.item(best.items[0]), self.content.item(rival.items[0])
        both = first.id in phrase and second.id in phrase
        return (best, rival) if both and not self._supports(first, second) else None

    def _supports(self, a: Item, b: Item) -> bool:
        """True when one item only backs the other up: linked by see_also, and one of them is not
        part of a list people choose from (a related article, a fact about the role)."""
        linked = b.id in a.see_also or a.id in b.see_also
        lists = self.content.lists
        return linked and not (a.category in lists and b.category in lists)
