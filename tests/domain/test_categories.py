"""Category values and the VICS profiles that map codes onto them."""

from __future__ import annotations

import json

import pytest

from tutela.domain.categories import (
    UK_PROFILE,
    US_PROFILE,
    VICS_PROFILES,
    Category,
    VicsProfile,
    vics_profile,
)


def test_category_values_are_stable_lower_case_strings():
    assert {c.name: c.value for c in Category} == {
        "A": "a", "B": "b", "C": "c", "NOT_INDECENT": "not_indecent",
        "NON_PHOTOGRAPHIC": "non_photographic", "COMPARISON": "comparison", "UNGRADED": "ungraded",
    }


@pytest.mark.parametrize(("text", "expected"), [
    ("A", Category.A), ("a", Category.A), (" b ", Category.B), ("not_indecent", Category.NOT_INDECENT),
    ("NOT_INDECENT", Category.NOT_INDECENT), ("Non_Photographic", Category.NON_PHOTOGRAPHIC),
    ("ungraded", Category.UNGRADED),
])
def test_parse_accepts_values_and_names_in_any_case(text, expected):
    assert Category.parse(text) is expected


@pytest.mark.parametrize("text", ["", "D", "cat a", "1"])
def test_parse_rejects_anything_else(text):
    with pytest.raises(ValueError, match="unknown category"):
        Category.parse(text)


def test_us_profile_has_its_own_labels_for_codes_0_to_4():
    assert sorted(US_PROFILE.labels) == [0, 1, 2, 3, 4]
    assert US_PROFILE.label_for(1) == "Child Abuse Material (CAM)"
    assert US_PROFILE.label_for(4) == "Comparison Images"
    assert US_PROFILE.label_for(9) == "VICS category 9"


def test_us_codes_never_invent_a_uk_grade():
    read = {code: US_PROFILE.category_for(code) for code in range(5)}
    assert read == {0: Category.UNGRADED, 1: Category.UNGRADED, 2: Category.UNGRADED,
                    3: Category.NON_PHOTOGRAPHIC, 4: Category.COMPARISON}
    assert not {Category.A, Category.B, Category.C} & set(read.values())


def test_us_export_codes_and_which_codes_round_trip():
    assert US_PROFILE.code_for(Category.A) == 1
    assert US_PROFILE.code_for(Category.NOT_INDECENT) == 0
    assert [code for code in range(5) if US_PROFILE.round_trips(code)] == [0, 3, 4]


def test_uk_profile_default_mapping_is_one_to_one():
    assert [UK_PROFILE.category_for(code) for code in range(7)] == [
        Category.UNGRADED, Category.A, Category.B, Category.C, Category.NOT_INDECENT,
        Category.NON_PHOTOGRAPHIC, Category.COMPARISON,
    ]
    assert all(UK_PROFILE.code_for(UK_PROFILE.category_for(code)) == code for code in range(7))


def test_unknown_code_and_unmapped_category_are_errors():
    with pytest.raises(ValueError, match="VICS category 7 is not in the us profile"):
        US_PROFILE.category_for(7)
    partial = VicsProfile(name="p", labels={1: "one"}, categories={1: Category.A})
    with pytest.raises(ValueError, match="'b' has no VICS code in the p profile"):
        partial.code_for(Category.B)


def test_profile_refuses_codes_without_labels():
    with pytest.raises(ValueError, match="codes without a label"):
        VicsProfile(name="bad", labels={}, categories={1: Category.A})


def test_overrides_remap_codes_and_keep_the_rest():
    profile = vics_profile("uk", {"4": "comparison", 6: Category.NOT_INDECENT})
    assert profile.category_for(4) is Category.COMPARISON
    assert profile.category_for(6) is Category.NOT_INDECENT
    assert profile.category_for(1) is Category.A
    assert profile.code_for(Category.COMPARISON) == 4
    assert UK_PROFILE.category_for(4) is Category.NOT_INDECENT  # the built-in is untouched


def test_profile_is_plain_data_that_survives_json():
    for profile in VICS_PROFILES.values():
        again = VicsProfile.from_dict(json.loads(json.dumps(profile.to_dict())))
        assert again == profile


def test_from_dict_accepts_the_minimal_settings_shape():
    profile = VicsProfile.from_dict({"name": "unit", "categories": {"1": "A", "2": "b", "0": "ungraded"}})
    assert profile.category_for(1) is Category.A
    assert profile.label_for(2) == "b"
    assert profile.code_for(Category.UNGRADED) == 0


def test_vics_profile_by_name():
    assert vics_profile("US") is US_PROFILE
    with pytest.raises(ValueError, match="unknown VICS profile 'fr' \\(known: us, uk\\)"):
        vics_profile("fr")
