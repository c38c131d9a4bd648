"""Enquiries and the lead marketplace (PRODUCT.md §2): students post enquiries, matching tutors see
them in a lead inbox, claim them for a lead credit, propose a lesson, and the student books it."""
