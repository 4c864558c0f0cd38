"""Reading rate texts from the US tariff schedule."""

import math

import pytest

from simulator.data.rates import parse_rate
from simulator.flows import RATE_UNKNOWN, SPECIFIC_OMITTED


@pytest.mark.parametrize("text,rate,flag", [
    ("Free", 0.0, 0),
    ("6.5%", 0.065, 0),
    ("25%", 0.25, 0),
    ("1.1¢/kg + 2.9%", 0.029, SPECIFIC_OMITTED),
    ("$1.189/kg + 8.5%", 0.085, SPECIFIC_OMITTED),
    ("16¢ each + 2.5%", 0.025, SPECIFIC_OMITTED),
    ("14.3¢/kg", 0.0, SPECIFIC_OMITTED),
    ("4.5¢/ liter", 0.0, SPECIFIC_OMITTED),
    ("The rate applicable to each garment in the ensemble if separately entered", 0.0, RATE_UNKNOWN),
])
def test_parse_rate(text, rate, flag):
    got, got_flag = parse_rate(text)
    assert got == pytest.approx(rate)
    assert got_flag == flag


def test_missing_text_is_nan():
    assert math.isnan(parse_rate("")[0]) and math.isnan(parse_rate(float("nan"))[0])
