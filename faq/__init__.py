"""The clinic FAQ core: knowledge, matching and replies. Knows nothing of any chat app."""

from faq.engine import FAQ
from faq.errors import KnowledgeError, Problem
from faq.knowledge import Clinic, Entry, Knowledge, Settings, load_knowledge, parse_knowledge
from faq.matcher import Candidate, Matcher, MatchParams
from faq.replies import Option, Reply, ReplyKind, decide

__all__ = [
    "FAQ",
    "Candidate",
    "Clinic",
    "Entry",
    "Knowledge",
    "KnowledgeError",
    "MatchParams",
    "Matcher",
    "Option",
    "Problem",
    "Reply",
    "ReplyKind",
    "Settings",
    "decide",
    "load_knowledge",
    "parse_knowledge",
]
