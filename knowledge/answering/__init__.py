"""Answering: from a question to quoted, cited sentences, or an abstention.

Owns what a question asks for (question, answer_types), sentence features and their
learned weights (features, ranker), ranking candidates (ranking), choosing and
checking the quotes (answer), and moderators' corrections matched to rewordings
(corrections).
"""
