from suanli.core.ids import new_id


def test_ids_are_prefixed_unique_and_sorted_by_creation() -> None:
    ids = [new_id("ten") for _ in range(5000)]
    assert all(i.startswith("ten_") and len(i) == 30 for i in ids)
    assert len(set(ids)) == len(ids)
    assert ids == sorted(ids)  # monotonic within a millisecond too
