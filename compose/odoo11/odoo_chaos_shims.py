"""Start-up shims that let Odoo 11.0 run on Python 3.9 without editing Odoo's files.

Loaded from a .pth file, so every Python process in the image (server, workers, shell) has them:
1. base64.encodestring/decodestring, removed in 3.9, alias the *bytes functions;
2. odoo.tools.safe_eval whitelists the opcodes Python 3.9 emits (CONTAINS_OP, IS_OP, ...);
3. the QWeb compiler's hand-built ASTs are normalised for Python >= 3.8 before compile().
"""
import ast
import base64
import importlib.abc
import importlib.machinery
import sys

if not hasattr(base64, "encodestring"):
    base64.encodestring = base64.encodebytes
    base64.decodestring = base64.decodebytes

_NEW_OPCODES = [
    "CONTAINS_OP", "IS_OP", "JUMP_IF_NOT_EXC_MATCH", "RERAISE", "LIST_EXTEND", "LIST_TO_TUPLE",
    "DICT_MERGE", "DICT_UPDATE", "SET_UPDATE", "LOAD_ASSERTION_ERROR",
]


def _patch_safe_eval(module):
    import opcode
    codes = {opcode.opmap[name] for name in _NEW_OPCODES if name in opcode.opmap}
    module._SAFE_OPCODES = set(module._SAFE_OPCODES) | codes
    if hasattr(module, "_CONST_OPCODES"):
        module._CONST_OPCODES = set(module._CONST_OPCODES) | {
            c for c in codes if opcode.opname[c] in ("LIST_EXTEND", "LIST_TO_TUPLE", "DICT_MERGE",
                                                     "DICT_UPDATE", "SET_UPDATE")}


class _Modernise(ast.NodeTransformer):
    def visit_arguments(self, node):
        self.generic_visit(node)
        if not hasattr(node, "posonlyargs") or node.posonlyargs is None:
            node.posonlyargs = []
        return node

    def visit_Name(self, node):
        if node.id in ("None", "True", "False"):
            return ast.copy_location(ast.Constant(value={"None": None, "True": True, "False": False}[node.id]), node)
        return node

    def visit_Module(self, node):
        self.generic_visit(node)
        if not hasattr(node, "type_ignores"):
            node.type_ignores = []
        return node


def _compile(source, filename, mode, *args, **kwargs):
    if isinstance(source, ast.AST):
        source = ast.fix_missing_locations(_Modernise().visit(source))
    return compile(source, filename, mode, *args, **kwargs)


def _patch_qweb(module):
    module.compile = _compile


_PATCHES = {
    "odoo.tools.safe_eval": _patch_safe_eval,
    "odoo.addons.base.ir.ir_qweb.qweb": _patch_qweb,
}


class _PatchAfterLoad(importlib.abc.MetaPathFinder):
    def find_spec(self, fullname, path, target=None):
        patch = _PATCHES.get(fullname)
        if patch is None:
            return None
        spec = importlib.machinery.PathFinder.find_spec(fullname, path)
        if spec is None or spec.loader is None:
            return spec
        loader = spec.loader
        original_exec = loader.exec_module

        def exec_module(module):
            original_exec(module)
            patch(module)

        loader.exec_module = exec_module
        return spec


sys.meta_path.insert(0, _PatchAfterLoad())
