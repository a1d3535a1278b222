"""What every domain shares: accounts, authentication, audit, notifications, mail, uploads, the clock,
paging, exports, backup, and the vocabulary of roles and deadlines. Imports no domain."""
