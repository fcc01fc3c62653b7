"""Keeping boards clean: moderators' actions (actions), the reports queue and log (queries), their pages
(views) and who is told of a report (moderators). Who may moderate what is forum.permissions."""
