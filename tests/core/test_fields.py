from core.fields import decrypt_str, encrypt_str, keyed_hash


def test_encryption_round_trip_hides_the_plaintext():
    token = encrypt_str("13800138000")
    assert "13800138000" not in token
    assert decrypt_str(token) == "13800138000"


def test_keyed_hash_matches_despite_spacing():
    assert keyed_hash("138 0013 8000") == keyed_hash("13800138000")
    assert keyed_hash("13800138000") != keyed_hash("13800138001")
    assert "13800138000" not in keyed_hash("13800138000")
    assert keyed_hash("  ") == ""
