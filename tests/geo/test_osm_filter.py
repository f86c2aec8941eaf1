"""osmnx's Overpass filters: parsed exactly, and applied to tags as Overpass would."""

from __future__ import annotations

import pytest

from geo.errors import StreetsError
from geo.osm_filter import (
    NETWORK_TYPES,
    TagCondition,
    check_network_type,
    matches_filter,
    network_filter,
    parse_overpass_filter,
)


def test_parse_osmnx_drive_service_filter() -> None:
    conds = parse_overpass_filter(network_filter("drive_service"))
    # ["highway"]["area"!~"yes"]["access"!~"private"]["highway"!~...]
    # ["motor_vehicle"!~"no"]["motorcar"!~"no"]["service"!~...] -> 7 clauses
    assert len(conds) == 7
    assert conds[0] == TagCondition("highway", "exists")
    assert conds[1] == TagCondition("area", "!~", "yes")
    assert conds[2] == TagCondition("access", "!~", "private")
    assert conds[-1] == TagCondition(
        "service", "!~", "emergency_access|parking|parking_aisle|private"
    )


@pytest.mark.parametrize("network_type", NETWORK_TYPES)
def test_every_osmnx_filter_parses(network_type: str) -> None:
    # every osmnx filter starts with ["highway"] and has only key-exists or !~ clauses
    conds = parse_overpass_filter(network_filter(network_type))
    assert conds[0] == TagCondition("highway", "exists")
    assert {c.op for c in conds[1:]} == {"!~"}


# expected: (drive, drive_service, walk, all)
TAG_CASES = [
    ({"highway": "residential"}, (True, True, True, True)),
    ({"highway": "footway"}, (False, False, True, True)),
    ({"building": "yes"}, (False, False, False, False)),
    ({"highway": "service"}, (False, True, True, True)),
    ({"highway": "service", "service": "parking_aisle"}, (False, False, True, True)),
    ({"highway": "service", "service": "driveway"}, (False, True, True, True)),
    ({"highway": "residential", "access": "private"}, (False, False, False, True)),
    # unanchored regex: walk's "motor" also matches motorway_link
    ({"highway": "motorway_link"}, (True, True, False, True)),
    ({"highway": "pedestrian", "area": "yes"}, (False, False, False, False)),
    ({"highway": "cycleway"}, (False, False, False, True)),
    ({"highway": "residential", "foot": "no"}, (True, True, False, True)),
    ({"highway": "residential", "motor_vehicle": "no"}, (False, False, True, True)),
    ({"highway": "residential", "sidewalk": "separate"}, (True, True, False, True)),
    ({"highway": "construction"}, (False, False, False, False)),
]


@pytest.mark.parametrize(("tags", "expected"), TAG_CASES)
def test_osmnx_filters_on_tags(tags: dict[str, str], expected: tuple[bool, ...]) -> None:
    got = tuple(
        matches_filter(tags, parse_overpass_filter(network_filter(nt))) for nt in NETWORK_TYPES
    )
    assert got == expected


def test_filter_clause_semantics() -> None:
    # ["k"!~"re"] passes when k is absent; ["k"~"re"] needs k present
    assert matches_filter({}, parse_overpass_filter('["k"!~"x"]'))
    assert not matches_filter({}, parse_overpass_filter('["k"~"x"]'))
    # unanchored search: "es" is found inside "yes"
    assert matches_filter({"k": "yes"}, parse_overpass_filter('["k"~"es"]'))
    assert not matches_filter({"k": "yes"}, parse_overpass_filter('["k"~"^es"]'))
    # equality and its negation
    assert matches_filter({"k": "v"}, parse_overpass_filter('["k"="v"]'))
    assert not matches_filter({"k": "vv"}, parse_overpass_filter('["k"="v"]'))
    assert matches_filter({}, parse_overpass_filter('["k"!="v"]'))
    assert not matches_filter({"k": "v"}, parse_overpass_filter('["k"!="v"]'))
    # key absent, bare words, single quotes, case-insensitive flag, escaped quote
    assert matches_filter({"a": "1"}, parse_overpass_filter('[!"b"]'))
    assert not matches_filter({"b": "1"}, parse_overpass_filter("[!b]"))
    assert matches_filter({"name": "Main"}, parse_overpass_filter("[name~'^main$',i]"))
    assert not matches_filter({"name": "Main"}, parse_overpass_filter("[name~'^main$']"))
    assert matches_filter({"n": 'a"b'}, parse_overpass_filter(r'["n"="a\"b"]'))
    # all clauses must hold
    both = parse_overpass_filter(' ["a"] ["b"!~"no"] ')
    assert matches_filter({"a": "1", "b": "yes"}, both)
    assert not matches_filter({"a": "1", "b": "no"}, both)
    assert not matches_filter({"b": "yes"}, both)


@pytest.mark.parametrize("text", ['["highway"', "highway", '["a"]x', '[!"a"="b"]', '["a"~"("]'])
def test_bad_filter_raises(text: str) -> None:
    with pytest.raises(StreetsError, match="Overpass filter"):
        parse_overpass_filter(text)


def test_network_type_is_checked() -> None:
    check_network_type("walk")
    with pytest.raises(StreetsError, match="unknown street network type 'bike'"):
        check_network_type("bike")
