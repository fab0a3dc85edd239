"""Config validation: one clear line per mistake, naming the key, the value and what is allowed."""

from __future__ import annotations

from pathlib import Path

import jsonschema
import yaml


class UserError(Exception):
    """A mistake the user can fix (a config value, a missing data set): reported as one line
    starting with ``phenomena:``, never as a traceback."""


class ConfigError(UserError, ValueError):
    """A config value is missing, misspelt, of the wrong type or out of range."""


def key_path(parts) -> str:
    """``['grokking', 'sweeps', 0]`` -> ``grokking.sweeps[0]``."""
    text = ""
    for part in parts:
        text += f"[{part}]" if isinstance(part, int) else (f".{part}" if text else str(part))
    return text or "<top level>"


def describe_error(error: jsonschema.ValidationError) -> str:
    """Turn a jsonschema error into 'config key K: got V; allowed: ...'."""
    where = key_path(error.absolute_path)
    validator, expected = error.validator, error.validator_value
    if validator == "additionalProperties":
        allowed = sorted(error.schema.get("properties", {}))
        unknown = sorted(set(error.instance) - set(allowed))
        where = key_path([*error.absolute_path, unknown[0]])
        return f"config key {where}: unknown key; allowed here: {', '.join(allowed)}"
    if validator == "required":
        return f"config key {where}: {error.message}"
    if validator == "enum":
        allowed = ", ".join("null" if value is None else repr(value) for value in expected)  # as YAML writes it
        return f"config key {where}: got {error.instance!r}; allowed: {allowed}"
    if validator == "type":
        return f"config key {where}: got {error.instance!r} ({type(error.instance).__name__}); expected type {expected}"
    bounds = {
        "minimum": ">=",
        "maximum": "<=",
        "exclusiveMinimum": ">",
        "exclusiveMaximum": "<",
        "minItems": "at least this many items:",
        "maxItems": "at most this many items:",
    }
    if validator in bounds:
        return f"config key {where}: got {error.instance!r}; must be {bounds[validator]} {expected}"
    if validator == "pattern" and "patternDescription" in error.schema:  # the pattern in words
        return f"config key {where}: got {error.instance!r}; must be {error.schema['patternDescription']}"
    if validator in ("oneOf", "anyOf"):  # a part that can be off: null or its settings
        shapes = " or ".join(shape(alternative) for alternative in expected)
        return f"config key {where}: got {error.instance!r} ({type(error.instance).__name__}); expected {shapes}"
    return f"config key {where}: {error.message}"


def shape(schema: dict) -> str:
    """One alternative of a ``oneOf`` key in words: ``null``, ``{step, chains}``, ``number``."""
    if schema.get("type") == "object" and "properties" in schema:
        return "a mapping {" + ", ".join(schema.get("required") or schema["properties"]) + "}"
    if "$ref" in schema:
        return schema["$ref"].rsplit("/", 1)[-1].replace("_", " ")
    return str(schema.get("type", "another value"))


def load_yaml(path: str | Path) -> dict:
    with open(path) as handle:
        return yaml.safe_load(handle)


def merge(base: dict, override: dict) -> dict:
    """Recursive dict update as Snakemake applies ``--configfile`` over ``configfile:``.

    Nested dicts merge key by key; lists and scalars are replaced whole.
    """
    merged = dict(base)
    for key, value in override.items():
        if isinstance(value, dict) and isinstance(merged.get(key), dict):
            merged[key] = merge(merged[key], value)
        else:
            merged[key] = value
    return merged


def load_config(*paths: str | Path) -> dict:
    """The config Snakemake would see for ``configfile: paths[0]`` and ``--configfile paths[1:]``."""
    config: dict = {}
    for path in paths:
        config = merge(config, load_yaml(path) or {})
    return config


def load_schema(schema_dir: str | Path, studies: list[str] | tuple[str, ...]) -> dict:
    """The workflow's config schema: ``config.schema.yaml`` (the shared keys) with each study's
    ``<study>.schema.yaml`` as the property of its name, its name allowed in ``studies``
    and its section required. A study schema's ``$defs`` join the root's."""
    schema_dir = Path(schema_dir)
    schema = load_yaml(schema_dir / "config.schema.yaml")
    schema["properties"]["studies"]["items"]["enum"] = list(studies)
    for study in studies:
        section = load_yaml(schema_dir / f"{study}.schema.yaml")
        for name, definition in section.pop("$defs", {}).items():
            if name in schema["$defs"]:
                raise ValueError(f"{study}.schema.yaml: $defs/{name} is already defined in config.schema.yaml")
            schema["$defs"][name] = definition
        schema["properties"][study] = section
        schema["required"].append(study)
    return schema


def validate_config(config: dict, schema: dict) -> dict:
    """Check ``config`` against ``schema``; raise :class:`ConfigError` describing the first error."""
    validator_class = jsonschema.Draft202012Validator
    errors = sorted(validator_class(schema).iter_errors(config), key=lambda e: list(map(str, e.absolute_path)))
    if errors:
        raise ConfigError(describe_error(jsonschema.exceptions.best_match(errors)))
    return config
