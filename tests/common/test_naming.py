from phenomena.common.naming import expand_grid, format_value, run_name, union_of_grids


def test_values_print_short_and_faithful():
    assert format_value(1.0) == "1"
    assert format_value(0.30) == "0.3"
    assert format_value(1e-4) == "0.0001"
    assert format_value(0) == "0"
    assert format_value("adamw") == "adamw"


def test_run_name_joins_labelled_values():
    name = run_name([("", "add"), ("p", 97), ("frac", 0.3), ("wd", 1.0), ("seed", 0)])
    assert name == "add_p97_frac0.3_wd1_seed0"


def test_grid_is_the_cartesian_product_in_order():
    points = expand_grid({"a": [1, 2], "b": ["x", "y"]})
    assert points == [{"a": 1, "b": "x"}, {"a": 1, "b": "y"}, {"a": 2, "b": "x"}, {"a": 2, "b": "y"}]


def test_union_keeps_each_point_once():
    points = union_of_grids([{"a": [1, 2], "b": [0]}, {"b": [0, 1], "a": [1]}])
    assert points == [{"a": 1, "b": 0}, {"a": 2, "b": 0}, {"b": 1, "a": 1}]
