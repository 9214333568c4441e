"""A refused sign-up answers 400 and shows every problem in one round: the form's own checks
(a missing field, passwords that differ) and the service's (a registered email, a common
password, no county) side by side, with what was typed kept."""
from __future__ import annotations

import sqlalchemy as sa

from registry.auth.models import Role, User
from registry.extensions import db
from registry.orgs.models import Organisation
from tests import factories


def test_every_problem_in_one_round(client, regions):
    factories.make_user(Role.REGULATOR, email="taken@xinhai.cn")
    db.session.commit()
    response = client.post("/signup", data={
        "organisation_name": "", "org_type": "fortune_telling",
        "province": "370000", "city": "370600", "county": "",
        "email": "taken@xinhai.cn", "password": "1234567890", "confirm": "1234567891",
    })
    assert response.status_code == 400
    page = response.get_data(as_text=True)
    assert "此项为必填项" in page  # organisation name: the form's own check
    assert "两次输入的密码不一致" in page  # confirm: the form's own check
    assert "该邮箱已注册账号" in page  # email: the service's check
    assert "容易被猜到" in page  # password: the service's check
    assert "请选择机构类型" in page and "请选择机构所在的区县" in page
    assert 'value="taken@xinhai.cn"' in page
    assert db.session.scalar(sa.select(sa.func.count(Organisation.id))) == 0
    assert db.session.scalar(sa.select(sa.func.count(User.id))) == 1
