"""Config text from a file read as data, never run as code.

mmengine stores a run's resolved config as Python source (``meta['cfg']`` of its checkpoints; mimbench's
records keep it as ``resolved_config``), and OpenMMLab's own way to read such text back,
``Config.fromstring(text, '.py')``, *executes* it. A checkpoint or record comes from whoever published it, so
mimbench never does that: :func:`parse_config_text` evaluates the text as literal data only — assignments
of numbers, strings, booleans, ``None``, lists, tuples, dicts and ``dict(key=value)`` calls, unary minus and
arithmetic on numbers (``1e-3 * 1024 / 256``), string concatenation, and names assigned earlier in the same
text — and refuses everything else (imports, other calls, attribute access, subscripts, comprehensions,
lambdas, ...) with :class:`ConfigTextError` naming the line. Nothing in the text runs.
"""
from __future__ import annotations

import ast
import math
import operator
from typing import Any

_NUMBER_OPS = {ast.Add: operator.add, ast.Sub: operator.sub, ast.Mult: operator.mul, ast.Div: operator.truediv}
_MAX_TEXT = 4 * 1024 * 1024  # characters; a resolved config is a few tens of kB


class ConfigTextError(ValueError):
    """The text is not plain config data; the message names the line and the construct that was refused."""


def parse_config_text(text: str, source: str = '<config text>') -> dict[str, Any]:
    """The top-level assignments of ``text`` as a dict, evaluated as literal data only (module docstring).

    Raises:
        ConfigTextError: the text is not valid Python, or holds anything but literal assignments.
    """
    if not isinstance(text, str):
        raise ConfigTextError(f'{source}: expected config text (str), found {type(text).__name__}')
    if len(text) > _MAX_TEXT:
        raise ConfigTextError(f'{source}: {len(text)} characters is too long for a config '
                              f'(limit {_MAX_TEXT}); not read')
    try:
        tree = ast.parse(text, filename=source, mode='exec')
    except (SyntaxError, ValueError) as err:
        raise ConfigTextError(f'{source}: not valid config text ({err})') from err
    env: dict[str, Any] = {}
    for node in tree.body:
        if isinstance(node, ast.Assign) and len(node.targets) == 1 and isinstance(node.targets[0], ast.Name):
            env[node.targets[0].id] = _value(node.value, env, source)
        elif isinstance(node, ast.Expr) and isinstance(node.value, ast.Constant) and isinstance(
                node.value.value, str):
            continue  # a docstring or comment-like string
        else:
            raise ConfigTextError(f'{source}: line {node.lineno}: a {type(node).__name__} statement is not '
                                  'config data; only `name = <literal>` assignments are read (nothing runs)')
    return env


def _refuse(node: ast.AST, source: str, what: str) -> ConfigTextError:
    return ConfigTextError(f'{source}: line {getattr(node, "lineno", "?")}: {what} is not config data; only '
                           'literals, dict(...), arithmetic on numbers and earlier names are read (nothing runs)')


def _value(node: ast.AST, env: dict[str, Any], source: str) -> Any:
    if isinstance(node, ast.Constant):
        return node.value
    if isinstance(node, (ast.List, ast.Tuple, ast.Set)):
        items = [_value(e, env, source) for e in node.elts]
        return {ast.List: list, ast.Tuple: tuple, ast.Set: lambda x: set(x)}[type(node)](items)
    if isinstance(node, ast.Dict):
        if any(k is None for k in node.keys):
            raise _refuse(node, source, '`**` unpacking in a dict')
        return {_value(k, env, source): _value(v, env, source) for k, v in zip(node.keys, node.values)}
    if isinstance(node, ast.Call):
        if not (isinstance(node.func, ast.Name) and node.func.id == 'dict') or node.args or any(
                kw.arg is None for kw in node.keywords):
            name = ast.unparse(node.func) if hasattr(ast, 'unparse') else '?'
            raise _refuse(node, source, f'a call of {name!r}')
        return {kw.arg: _value(kw.value, env, source) for kw in node.keywords}
    if isinstance(node, ast.Name):
        if node.id in env:
            return env[node.id]
        raise _refuse(node, source, f'the name {node.id!r} (not assigned earlier in the text)')
    if isinstance(node, ast.UnaryOp) and isinstance(node.op, (ast.USub, ast.UAdd)):
        operand = _value(node.operand, env, source)
        if not _is_number(operand):
            raise _refuse(node, source, 'a sign on a non-number')
        return -operand if isinstance(node.op, ast.USub) else operand
    if isinstance(node, ast.BinOp) and type(node.op) in _NUMBER_OPS:
        left, right = _value(node.left, env, source), _value(node.right, env, source)
        if isinstance(node.op, ast.Add) and isinstance(left, str) and isinstance(right, str):
            return left + right
        if not (_is_number(left) and _is_number(right)):
            raise _refuse(node, source, f'{type(node.op).__name__} of {type(left).__name__} and '
                          f'{type(right).__name__}')
        try:
            result = _NUMBER_OPS[type(node.op)](left, right)
        except ZeroDivisionError as err:
            raise _refuse(node, source, 'a division by zero') from err
        if (isinstance(result, float) and not math.isfinite(result)) or (
                isinstance(result, int) and result.bit_length() > 128):
            raise _refuse(node, source, 'arithmetic that overflows')
        return result
    raise _refuse(node, source, f'a {type(node).__name__} expression')


def _is_number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)
