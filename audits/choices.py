from django.db import models


class AuditAction(models.TextChoices):
    CREATE = "create", "新增 / Create"
    UPDATE = "update", "修改 / Update"
    DELETE = "delete", "删除 / Delete"
    LOGIN = "login", "登录 / Sign-in"
    LOGIN_FAILED = "login_failed", "登录失败 / Failed sign-in"
    LOCKED_OUT = "locked_out", "账号锁定 / Locked out"
    LOGOUT = "logout", "退出 / Sign-out"
