"""How outbox rows become bus messages, and how messages become event bodies again."""

from collections import namedtuple

from core.bus.publisher import JSON, NDJSON, message_bodies
from core.bus.relay import _grouped

Row = namedtuple("Row", "id routing_key body event_id")


def rows(*keys):
    return [Row(i, key, f'{{"n":{i}}}', f"e{i}") for i, key in enumerate(keys)]


def test_consecutive_rows_with_one_routing_key_share_a_message_in_order():
    messages = list(_grouped(rows("a.t", "a.t", "b.t", "a.t", "a.t", "a.t"), size=2))
    assert [(m.routing_key, m.event_ids or (m.message_id,)) for m in messages] == [
        ("a.t", ("e0", "e1")), ("b.t", ("e2",)), ("a.t", ("e3", "e4")), ("a.t", ("e5",))]
    assert [m.content_type for m in messages] == [NDJSON, JSON, NDJSON, JSON]
    assert messages[0].body == '{"n":0}\n{"n":1}'


def test_message_bodies_split_json_lines_only():
    assert message_bodies(NDJSON, b'{"a":1}\n{"b":2}\n') == [b'{"a":1}', b'{"b":2}']
    assert message_bodies(JSON, b'{"a":1}\n') == [b'{"a":1}\n']
    assert message_bodies(None, "x") == ["x"]
