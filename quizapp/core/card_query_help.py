"""The card search language in words: its own module, so `quizapp --help` need not import the parser."""

HELP = """\
Search: free words match a card's text or id (any case; "quoted phrases"; * is a wildcard).
  deck:ID  tag:T  kind:KIND  id:CARD-OR-NOTE
  is:new|learning|review|due|suspended|buried|leech|removed
  due:today  due:N  due:<7  due:>=30   (study days from today; negative = overdue)
  lapses:>3  reps:<=2   (=, <, <=, >, >=)
  -TERM negates a term: -is:suspended  -tag:formula
Terms combine with AND: deck:pytorch is:review lapses:>2 tensor"""
