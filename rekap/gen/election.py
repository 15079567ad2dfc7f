"""The synthetic national election: one presidential contest over all of Indonesia with three pairs."""

from __future__ import annotations

ELECTION_ID = "pemilu-sintetis-2024"
CONTEST_ID = "presiden-sintetis-2024"

# Fictional pairs: synthetic results must never be mistaken for anyone's real votes.
ELECTION_TOML = f"""\
# SYNTHETIC national election written by `rekap gen national`: real region codes, invented TPS, DPT,
# candidates and results, for load tests and benchmarks only.
[election]
id = "{ELECTION_ID}"
name = "Pemilu sintetis 2024 (data uji, bukan hasil nyata)"
date = "2024-02-14"
ballot_reserve_permille = 20
max_voters_per_tps = 300

[[contests]]
id = "{CONTEST_ID}"
name = "Presiden dan Wakil Presiden (sintetis)"
scope = "ID"

[[contests.candidates]]
number = 1
names = ["Capres Sintetis Satu", "Cawapres Sintetis Satu"]
party = "Koalisi A"
color = "#2e7d32"

[[contests.candidates]]
number = 2
names = ["Capres Sintetis Dua", "Cawapres Sintetis Dua"]
party = "Koalisi B"
color = "#6d4c41"

[[contests.candidates]]
number = 3
names = ["Capres Sintetis Tiga", "Cawapres Sintetis Tiga"]
party = "Koalisi C"
color = "#c62828"
"""
