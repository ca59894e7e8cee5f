"""The demo's organisations are in the directory with identifiers and codes, also in a demo
database seeded before the directory had identifiers."""

from sqlalchemy import select

from ecabinet.demo.data import ORGANISATIONS
from ecabinet.extensions import db
from ecabinet.identity.models import Organisation


def _codes(app) -> dict[str, tuple]:
    with app.app_context():
        return {o.name: (o.identifier, o.code) for o in db.session.scalars(select(Organisation))}


def test_the_demo_organisations_have_identifiers_and_codes(app, runner):
    with app.app_context():  # as an older seed-demo left it: no identifier, no code
        db.session.add(Organisation(name="Bộ Tư pháp"))
        db.session.commit()
    result = runner.invoke(args=["seed-demo"])
    assert result.exit_code == 0, result.output
    codes = _codes(app)
    assert codes == {name: (identifier, code) for name, code, identifier in ORGANISATIONS}
    assert codes["Văn phòng Chính phủ"] == ("000.00.00.G22", "VPCP")
    assert codes["Bộ Tài chính"] == ("000.00.00.G12", "BTC")
    assert codes["Bộ Tư pháp"] == ("000.00.00.G13", "BTP")
    listed = runner.invoke(args=["orgs", "list", "-s", "000.00.00.G22"]).output
    assert listed.startswith("000.00.00.G22\tVPCP\tVăn phòng Chính phủ")
