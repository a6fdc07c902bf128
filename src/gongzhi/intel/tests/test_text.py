from __future__ import annotations

from gongzhi.intel import text as T


def test_normalise_full_width_and_whitespace():
    # given full-width letters, digits, punctuation and messy whitespace
    raw = "\n\t\t  ＡＢＣ１２３，\u3000小区　物业\r\n  "
    # then they become half-width and single spaces
    assert T.normalise(raw) == "ABC123, 小区 物业"


def test_normalise_traditional_to_simplified():
    assert T.normalise("這裡的馬路壞了，請儘快修復") == "这里的马路坏了,请尽快修复"


def test_normalise_odd_inputs_never_raise():
    assert T.normalise(None) == ""
    assert T.normalise(float("nan")) == ""
    assert T.normalise(12.5) == "12.5"
    assert T.normalise("噪音".encode("gbk")) == "噪音"
    assert T.normalise("噪音".encode()) == "噪音"
    junk = bytes(range(256)) * 50
    assert isinstance(T.normalise(junk), str)
    assert "\x00" not in T.normalise("a\x00b\x07c")


def test_huge_text_is_truncated():
    huge = "小区噪音扰民" * 100_000
    assert len(T.normalise(huge)) == T.MAX_CHARS
    assert len(T.prepare(huge, max_chars=100)) == 100


def test_scrub_phones_ids_emails_cards():
    raw = (
        "我的电话13812345678，座机0731-88886666，身份证43010219900101123X，"
        "旧身份证430102900101123，邮箱zhang.san@example.com，卡号6222 0212 3456 7890 123"
    )
    out = T.prepare(raw)
    for secret in (
        "13812345678",
        "88886666",
        "43010219900101123X",
        "430102900101123",
        "zhang.san",
        "6222",
    ):
        assert secret not in out
    assert out.count("TELNO") == 2
    assert out.count("IDNO") == 2
    assert "EMAIL" in out
    assert "CARDNO" in out


def test_scrub_keeps_ordinary_numbers():
    out = T.prepare("A7县801路公交车，2019年3月，12栋302室，费用3000元")
    assert "801" in out and "2019" in out and "302" in out and "3000" in out


def test_scrub_full_width_phone_after_normalisation():
    assert "TELNO" in T.prepare("电话：１３９１２３４５６７８")


def test_tokenize_drops_stopwords_and_punctuation():
    tokens = T.tokenize("我们小区的物业费太贵了！！！")
    assert "物业费" in tokens
    assert "的" not in tokens and "！" not in tokens and "!" not in tokens


def test_user_dictionary_keeps_local_names(tmp_path, monkeypatch):
    # given a community dictionary with a local estate name
    path = tmp_path / "local.txt"
    path.write_text("# our estates\n翠微桃李苑 n\n", encoding="utf-8")
    monkeypatch.setenv(T.USER_DICT_ENV, str(path))
    # when a fresh tokenizer segments a text naming it
    tokens = T.Tokenizer().tokens("翠微桃李苑门口积水")
    # then the name stays whole
    assert "翠微桃李苑" in tokens


def test_read_user_dict_skips_bad_lines(tmp_path):
    path = tmp_path / "d.txt"
    path.write_text("甲乙路 10 ns\n\n# comment\n丙丁巷 ns\n", encoding="utf-8")
    assert T.read_user_dict(path) == [("甲乙路", 10, "ns"), ("丙丁巷", None, "ns")]
    assert T.read_user_dict(tmp_path / "missing.txt") == []


def test_mixed_language_and_emoji():
    tokens = T.tokenize("The elevator 电梯 is broken 😡 again")
    assert "电梯" in tokens and "elevator" in tokens


def test_char_ngrams():
    assert T.char_ngrams("A1区，噪音很大", 1, 2) == [
        "区",
        "噪",
        "音",
        "很",
        "大",
        "噪音",
        "音很",
        "很大",
        "a1",
    ]
    assert T.char_ngrams("噪音", 2, 3, prefix="c") == ["c噪音"]
    assert T.char_ngrams("", 1, 3) == []
