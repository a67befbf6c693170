"""The change log (AuditEntry, AuditChainHead, AuditSignal) moves from the audits app into the core
app, as NetBox keeps change logging in its core. Only Django's idea of where the models live
changes: the tables keep their names (db_table), and their rows, triggers and functions
(audits 0003 and 0008) stay as they are. audits 0011 removes the models from the audits app's
state once they exist here."""

import django.core.serializers.json
import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('institutions', '0008_constraint_messages_in_one_language'),
        ('skilleval', '0014_constraint_messages_in_one_language'),
        # The tables are created (and protected) by the audits app's migrations up to here.
        ('audits', '0010_constraint_messages_in_one_language'),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.CreateModel(
                    name='AuditChainHead',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('seq', models.BigIntegerField(default=0)),
                        ('hash', models.CharField(default='0000000000000000000000000000000000000000000000000000000000000000', max_length=64)),
                    ],
                    options={
                        'db_table': 'audits_auditchainhead',
                    },
                ),
                migrations.CreateModel(
                    name='AuditSignal',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('kind', models.CharField(max_length=80, verbose_name='类型（规则）')),
                        ('detail', models.CharField(max_length=500, verbose_name='说明')),
                        ('created_at', models.DateTimeField(auto_now_add=True)),
                        ('batch', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='signals', to='institutions.batch')),
                        ('institution', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='signals', to='institutions.institution')),
                    ],
                    options={
                        'verbose_name': '督查提示',
                        'verbose_name_plural': '督查提示',
                        'db_table': 'audits_auditsignal',
                        'ordering': ['-created_at'],
                    },
                ),
                migrations.CreateModel(
                    name='AuditEntry',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('seq', models.BigIntegerField(unique=True, verbose_name='序号')),
                        ('created_at', models.DateTimeField(verbose_name='时间')),
                        ('actor_name', models.CharField(max_length=150, verbose_name='操作人')),
                        ('request_id', models.CharField(blank=True, max_length=64, verbose_name='请求号')),
                        ('action', models.CharField(choices=[('create', '新增'), ('update', '修改'), ('delete', '删除'), ('login', '登录'), ('login_failed', '登录失败'), ('locked_out', '账号锁定'), ('logout', '退出')], max_length=20, verbose_name='操作')),
                        ('object_type', models.CharField(blank=True, max_length=100, verbose_name='对象类型')),
                        ('object_id', models.CharField(blank=True, max_length=64, verbose_name='对象编号')),
                        ('object_repr', models.CharField(blank=True, max_length=200, verbose_name='对象')),
                        ('before', models.JSONField(blank=True, encoder=django.core.serializers.json.DjangoJSONEncoder, null=True, verbose_name='修改前')),
                        ('after', models.JSONField(blank=True, encoder=django.core.serializers.json.DjangoJSONEncoder, null=True, verbose_name='修改后')),
                        ('prev_hash', models.CharField(max_length=64)),
                        ('hash', models.CharField(max_length=64, unique=True)),
                        ('actor', models.ForeignKey(blank=True, db_constraint=False, null=True, on_delete=django.db.models.deletion.DO_NOTHING, related_name='+', to=settings.AUTH_USER_MODEL)),
                    ],
                    options={
                        'verbose_name': '审计日志',
                        'verbose_name_plural': '审计日志',
                        'db_table': 'audits_auditentry',
                        'ordering': ['-seq'],
                        'indexes': [models.Index(fields=['object_type', 'object_id'], name='audits_audi_object__6b7a8e_idx')],
                    },
                ),
            ],
            database_operations=[],
        ),
    ]
