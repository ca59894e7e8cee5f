"""`ecabinet orgs import / add / list` and `create-user --org`: a bad line imports nothing; an
organisation is never made without its identifier and code."""

from sqlalchemy import select

from ecabinet.extensions import db
from ecabinet.identity import services as identity
from ecabinet.identity.models import Organisation
from ecabinet.organisations import services as organisations
from tests.conftest import PASSWORD

HEADER = "identifier,code,name,address,parent_identifier\n"
GOOD = (HEADER
        + "000.00.18.G12,TCT,Tổng cục Thuế,123 Lò Đúc,000.00.00.G12\n"  # parent further down
        + "000.00.00.G12,BTC,Bộ Tài chính,28 Trần Hưng Đạo,\n"
        + "000.00.00.G22,VPCP,Văn phòng Chính phủ,16 Lê Hồng Phong,\n")


def _csv(tmp_path, text, name="orgs.csv"):
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return str(path)


def _directory(app) -> dict[str, tuple]:
    with app.app_context():
        return {o.identifier: (o.code, o.name, o.address,
                               o.parent.identifier if o.parent else None, o.active)
                for o in db.session.scalars(select(Organisation))}


def test_a_bad_line_imports_nothing_and_every_bad_line_is_named(app, runner, tmp_path,
                                                                 count_orgs, audit_of):
    bad = (HEADER
           + "000.00.00.G12,BTC,Bộ Tài chính,,\n"
           + "000.00.00.G2,VPCP,Văn phòng Chính phủ,,\n"           # line 3: identifier
           + "000.00.18.G12,TCT,Tổng cục Thuế,,000.00.99.G12\n"    # line 4: unknown parent
           + "000.00.19.G12,BTC,Kho bạc Nhà nước,,\n"              # line 5: code of line 2
           + "000.00.20.G12,,Cục Hải quan,,\n")                    # line 6: no code
    result = runner.invoke(args=["orgs", "import", _csv(tmp_path, bad)])
    assert result.exit_code == 1, result.output
    assert "Nothing was imported" in result.output
    for line in ("3", "5", "6"):
        assert f"Line {line}:" in result.output or f"Dòng {line}:" in result.output, line
    assert count_orgs() == 0 and audit_of("organisation.create") == []
    # The field errors first; once they are right, the parents are checked.
    fixed = bad.replace("000.00.00.G2,", "000.00.00.G22,").replace(
        "000.00.19.G12,BTC,", "000.00.19.G12,KBNN,").replace(",,Cục Hải quan", ",TCHQ,Cục Hải quan")
    result = runner.invoke(args=["orgs", "import", _csv(tmp_path, fixed)])
    assert result.exit_code == 1 and "000.00.99.G12" in result.output
    assert count_orgs() == 0


def test_a_cycle_in_the_file_imports_nothing(runner, tmp_path, count_orgs):
    cycle = (HEADER + "000.00.01.G12,A,Cơ quan A,,000.00.02.G12\n"
             + "000.00.02.G12,B,Cơ quan B,,000.00.01.G12\n")
    result = runner.invoke(args=["orgs", "import", _csv(tmp_path, cycle)])
    assert result.exit_code == 1
    assert "000.00.01.G12" in result.output and "000.00.02.G12" in result.output
    assert "ancestor" in result.output or "trực thuộc chính nó" in result.output
    assert count_orgs() == 0


def test_a_cycle_through_the_directory_imports_nothing(app, runner, tmp_path):
    assert runner.invoke(args=["orgs", "import", _csv(tmp_path, GOOD)]).exit_code == 0
    before = _directory(app)
    # The ministry under its own department, which is under the ministry.
    cycle = HEADER + "000.00.00.G12,BTC,Bộ Tài chính,,000.00.18.G12\n"
    result = runner.invoke(args=["orgs", "import", _csv(tmp_path, cycle)])
    assert result.exit_code == 1, result.output
    assert _directory(app) == before


def test_import_is_an_idempotent_upsert_by_identifier(app, runner, tmp_path, audit_of):
    first = runner.invoke(args=["orgs", "import", _csv(tmp_path, GOOD)])
    assert first.exit_code == 0, first.output
    assert "3 created, 0 updated, 0 unchanged" in first.output
    assert _directory(app)["000.00.18.G12"] == ("TCT", "Tổng cục Thuế", "123 Lò Đúc",
                                                 "000.00.00.G12", True)
    entries = len(audit_of("organisation.create")) + len(audit_of("organisation.update"))
    again = runner.invoke(args=["orgs", "import", _csv(tmp_path, GOOD)])
    assert "0 created, 0 updated, 3 unchanged" in again.output, again.output
    assert len(audit_of("organisation.create")) + len(audit_of("organisation.update")) == entries
    moved = GOOD.replace("123 Lò Đúc", "5 Phạm Văn Bạch")
    third = runner.invoke(args=["orgs", "import", _csv(tmp_path, moved)])
    assert "0 created, 1 updated, 2 unchanged" in third.output, third.output
    assert _directory(app)["000.00.18.G12"][2] == "5 Phạm Văn Bạch"


def test_import_gives_an_old_organisation_its_identifier(app, runner, tmp_path):
    """An organisation made by name before the directory is matched by its name, not doubled."""
    with app.app_context():
        db.session.add(Organisation(name="Bộ Tài chính", code="BTC"))
        db.session.commit()
    result = runner.invoke(args=["orgs", "import", _csv(tmp_path, GOOD)])
    assert "2 created, 1 updated" in result.output, result.output
    assert _directory(app)["000.00.00.G12"][:2] == ("BTC", "Bộ Tài chính")
    assert len(_directory(app)) == 3


def test_a_cycle_through_an_old_organisation_imports_nothing(app, runner, tmp_path, count_orgs):
    """The old organisation (no identifier) is the ministry's parent; the file makes the
    ministry the old one's parent while giving it its identifier."""
    with app.app_context():
        old = Organisation(name="Bộ Tài chính", code="BTC")
        db.session.add(old)
        db.session.flush()
        db.session.add(Organisation(name="Tổng cục Thuế", code="TCT", identifier="000.00.18.G12",
                                    parent_id=old.id))
        db.session.commit()
    cycle = HEADER + "000.00.00.G12,BTC,Bộ Tài chính,,000.00.18.G12\n"
    result = runner.invoke(args=["orgs", "import", _csv(tmp_path, cycle)])
    assert result.exit_code == 1, result.output
    assert "ancestor" in result.output or "trực thuộc chính nó" in result.output, result.output
    with app.app_context():
        assert db.session.scalar(select(Organisation.identifier).where(
            Organisation.name == "Bộ Tài chính")) is None


def test_import_refuses_a_file_that_is_not_utf8_text(runner, tmp_path, count_orgs):
    path = tmp_path / "orgs.csv"
    path.write_bytes(GOOD.encode("utf-16"))
    result = runner.invoke(args=["orgs", "import", str(path)])
    assert result.exit_code == 1 and "UTF-8" in result.output, result.output
    assert not isinstance(result.exception, UnicodeError)
    path.write_bytes(GOOD.encode("utf-8").replace("Bộ".encode(), b"\xff\xfe"))
    result = runner.invoke(args=["orgs", "import", str(path)])
    assert result.exit_code == 1 and "UTF-8" in result.output, result.output
    assert count_orgs() == 0


def test_import_refuses_a_file_without_the_needed_columns(runner, tmp_path, count_orgs):
    result = runner.invoke(args=["orgs", "import", _csv(tmp_path, "name,code\nA,B\n")])
    assert result.exit_code == 1 and "identifier" in result.output
    assert count_orgs() == 0


def test_add_and_list(app, runner, audit_of):
    assert runner.invoke(args=["orgs", "add", "--identifier", "000.00.00.G12", "--code", "BTC",
                               "--name", "Bộ Tài chính"]).exit_code == 0
    added = runner.invoke(args=["orgs", "add", "--identifier", "000.00.18.G12", "--code", "TCT",
                                "--name", "Tổng cục Thuế", "--parent", "BTC",
                                "--address", "123 Lò Đúc"])
    assert added.exit_code == 0, added.output
    assert _directory(app)["000.00.18.G12"][3] == "000.00.00.G12"
    listed = runner.invoke(args=["orgs", "list", "--search", "thuế"])
    assert listed.output.splitlines() == ["000.00.18.G12\tTCT\tTổng cục Thuế\t000.00.00.G12"]
    assert len(audit_of("organisation.create")) == 2


def test_add_refuses_bad_input(runner, count_orgs):
    for extra in (["--identifier", "G12", "--code", "BTC"],
                  ["--identifier", "000.00.00.G12", "--code", "B/TC"],
                  ["--identifier", "000.00.00.G12", "--code", "BTC", "--parent", "Không có"],
                  ["--code", "BTC"]):
        result = runner.invoke(args=["orgs", "add", "--name", "Bộ Tài chính", *extra])
        assert result.exit_code != 0, extra
    assert count_orgs() == 0


def _create_user(runner, *extra):
    return runner.invoke(args=["create-user", "--email", "bt@example.gov.vn", "--name", "Bộ trưởng",
                               "--role", "member", "--password", PASSWORD, *extra])


def test_create_user_refuses_an_organisation_not_in_the_directory(app, runner, count_orgs):
    result = _create_user(runner, "--org", "Bộ Tư pháp")
    assert result.exit_code == 1
    assert "--create-org" in result.output and "orgs add" in result.output
    refused = _create_user(runner, "--org", "Bộ Tư pháp", "--create-org")  # without its codes
    assert refused.exit_code == 2 and "--org-identifier" in refused.output
    bad = _create_user(runner, "--org", "Bộ Tư pháp", "--create-org",
                       "--org-identifier", "G13", "--org-code", "BTP")
    assert bad.exit_code == 1
    assert count_orgs() == 0
    with app.app_context():
        assert identity.user_by_email("bt@example.gov.vn") is None


def test_create_user_with_create_org_adds_it_with_its_codes(app, runner, audit_of):
    result = _create_user(runner, "--org", "Bộ Tư pháp", "--create-org",
                          "--org-identifier", "000.00.00.G13", "--org-code", "BTP")
    assert result.exit_code == 0, result.output
    with app.app_context():
        user = identity.user_by_email("bt@example.gov.vn")
        assert (user.organisation.identifier, user.organisation.code) == ("000.00.00.G13", "BTP")
    assert len(audit_of("organisation.create")) == 1


def test_create_user_finds_an_existing_organisation_by_name_code_or_identifier(app, runner):
    with app.app_context():
        organisations.create(identifier="000.00.00.G13", code="BTP", name="Bộ Tư pháp")
        db.session.add(Organisation(name="Bộ Ngoại giao"))  # an old one, without codes
        db.session.commit()
    for n, reference in enumerate(["Bộ Tư pháp", "BTP", "000.00.00.g13", "Bộ Ngoại giao"]):
        result = runner.invoke(args=["create-user", "--email", f"u{n}@example.gov.vn",
                                     "--name", "A", "--role", "member", "--password", PASSWORD,
                                     "--org", reference])
        assert result.exit_code == 0, (reference, result.output)
    with app.app_context():
        assert identity.user_by_email("u2@example.gov.vn").organisation.code == "BTP"
        assert identity.user_by_email("u3@example.gov.vn").organisation.name == "Bộ Ngoại giao"
        assert len(list(db.session.scalars(select(Organisation)))) == 2
