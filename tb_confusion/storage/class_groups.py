"""Class groups (super-classes) of a multiclass tag: one group name per class, stored in the tag's PluginData
(field 7, docs/format.md). The writers' check (`prepare`) and the reader's (`check_stored`) live here; the
grouped numbers are tb_confusion.groups.

A writer takes either a sequence with one group name per class, in class_names order, or a dict
{group: [class names]} covering every class exactly once; both are stored as the per-class list.
"""

from collections.abc import Mapping

from tb_confusion.errors import BadArgument, Unreadable
from tb_confusion.storage import validation  # validation imports this module: its brief is looked up per call

TASK = "multiclass"  # the only task with groups: one true and one predicted class per example


NO_PIXEL_GROUPS = ("class_groups apply to multiclass predictions of one class per example; a per-pixel "
                   "(segmentation) step takes none (docs/groups.md)")


def check_early(class_groups, class_names, task):
    """None, or a writer's `class_groups` as `summary.predictions_pb` takes them, checked as far as the task
    and class names are known now (None: not yet; a callback learns them during training), so a bad value
    fails at construction; the first write checks the rest before anything is written. BadArgument naming
    class_groups and the bad value."""
    if class_groups is None:
        return None
    if task not in (None, TASK):
        return prepare(class_groups, class_names or [], task)  # raises: multiclass only
    if not isinstance(class_groups, Mapping) and (isinstance(class_groups, (str, bytes))
                                                  or not hasattr(class_groups, "__len__")):
        return prepare(class_groups, class_names or [], TASK)  # raises: its form
    if class_names is not None:
        prepare(class_groups, class_names, TASK)
    return dict(class_groups) if isinstance(class_groups, Mapping) else list(class_groups)


def prepare(class_groups, class_names, task):
    """[group name per class] (str) from a writer's `class_groups`, or None when it is None.

    BadArgument (a ValueError) naming class_groups and the bad value: a task other than multiclass, a count
    other than one per class, a name that is not a non-empty string, a dict naming an unknown class, a class
    in two groups or in none, a group of no class."""
    if class_groups is None:
        return None
    if task != TASK:
        raise BadArgument(f"class_groups apply to multiclass predictions (one true and one predicted class per "
                          f"example); got task {task!r}")
    if isinstance(class_groups, Mapping):
        return _from_mapping(class_groups, class_names)
    if isinstance(class_groups, (str, bytes)) or not hasattr(class_groups, "__len__"):
        raise BadArgument(f"class_groups must be a sequence of group names (one per class) or a dict "
                          f"{{group: [class names]}}; got {validation.brief(class_groups)}")
    groups = list(class_groups)
    if len(groups) != len(class_names):
        raise BadArgument(f"class_groups must have {len(class_names)} entries (one group per class); got "
                          f"{len(groups)}: {validation.brief(groups)}")
    for k, group in enumerate(groups):
        _check_name(group, f"class_groups[{k}] (the group of class {class_names[k]!r})")
    return [str(group) for group in groups]


def _from_mapping(mapping, class_names):
    index = {name: k for k, name in enumerate(class_names)}
    groups = [None] * len(class_names)
    for group, members in mapping.items():
        _check_name(group, "class_groups keys")
        if isinstance(members, (str, bytes)) or not hasattr(members, "__iter__"):
            raise BadArgument(f"class_groups[{group!r}] must be a list of class names; got {validation.brief(members)}")
        members = list(members)
        if not members:
            raise BadArgument(f"class_groups[{group!r}] holds no class; every group needs one or more")
        for name in members:
            k = index.get(name) if isinstance(name, str) else None
            if k is None:
                raise BadArgument(f"class_groups[{group!r}] names {validation.brief(name)}, which is not one of the class "
                                  f"names {validation.brief(list(class_names))}")
            if groups[k] is not None:
                raise BadArgument(f"class_groups puts class {name!r} in two groups: {groups[k]!r} and {group!r}")
            groups[k] = str(group)
    missing = [name for name, group in zip(class_names, groups) if group is None]
    if missing:
        raise BadArgument(f"class_groups must put every class in a group; {len(missing)} in none: {validation.brief(missing)}")
    return groups


def _check_name(value, what):
    if not isinstance(value, str) or not value.strip():
        raise BadArgument(f"{what} must be non-empty strings; got {validation.brief(value)}")


def check_stored(plugin_data):
    """Unreadable unless the stored class_groups are none, or one non-empty name per class of a multiclass tag
    (the reader adds the run and tag)."""
    groups = list(plugin_data.class_groups)
    if not groups:
        return
    if plugin_data.task != TASK:
        raise Unreadable(f"tb_confusion metadata has class_groups for a {plugin_data.task!r} tag; only "
                         "multiclass tags have them")
    names = list(plugin_data.class_names)
    if len(groups) != len(names):
        raise Unreadable(f"tb_confusion metadata has {len(groups)} class_groups for {len(names)} classes "
                         "(one group per class)")
    for k, group in enumerate(groups):
        if not group.strip():
            raise Unreadable(f"tb_confusion metadata has an empty class_groups name for class {k} "
                             f"({names[k]!r})")
