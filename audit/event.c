// SPDX-License-Identifier: LGPL-2.1-or-later
#include "audit/event.h"
#include "common/macros.h"

/* The "type" member of a trail record; dashes, as Linux audit's op= values. */
static const char *const type_names[AUDIT_EV_MAX] = {
	[AUDIT_EV_DECISION] = "decision",
	[AUDIT_EV_RESULT] = "result",
	[AUDIT_EV_SETTINGS_LOAD] = "settings-load",
	[AUDIT_EV_POLICY_LOAD] = "policy-load",
	[AUDIT_EV_POLICY_REFUSAL] = "policy-refusal",
	[AUDIT_EV_MODE_CHANGE] = "mode-change",
	[AUDIT_EV_CMDLINE_OVERRIDE] = "cmdline-override",
	[AUDIT_EV_FLOOD] = "flood",
	[AUDIT_EV_TRAIL_START] = "trail-start",
	[AUDIT_EV_TRAIL_ROTATE] = "trail-rotate",
	[AUDIT_EV_TRAIL_CARRY] = "trail-carry",
	[AUDIT_EV_TRAIL_RECOVER] = "trail-recover",
};

const char *audit_event_type_name(enum audit_event_type t)
{
	return (unsigned)t < AUDIT_EV_MAX ? type_names[t] : NULL;
}

int audit_event_type_from_name(const char *name)
{
	for (int i = 0; i < AUDIT_EV_MAX; i++)
		if (streq(type_names[i], name))
			return i;
	return -1;
}
