package io.socksify.agent.instrument;

import net.bytebuddy.jar.asm.Label;
import net.bytebuddy.jar.asm.MethodVisitor;
import net.bytebuddy.jar.asm.Opcodes;
import net.bytebuddy.jar.asm.Type;

/**
 * The one prologue emitter. At the start of the hooked method: optionally test a value and go straight to the
 * original code ({@code onlyIfNotNull}), push the row's values (by default {@code this} and every argument), call
 * the dispatcher, and act on its answer as the row's {@link Hook.Exit} says; the original code
 * follows at a frame identical to the method's entry frame. Only instructions are added (no field, no method), so
 * already loaded classes can be retransformed. Frames are written expanded ({@code ClassReader.EXPAND_FRAMES}).
 */
final class Prologue extends MethodVisitor {
    private final Hook hook;
    private final String owner;
    private final Type returnType;
    private final Type answer;
    private final Object[] entryLocals;
    private final int argumentSlots;
    private final int[] argumentSlot;
    private final Type[] arguments;

    Prologue(MethodVisitor mv, String owner, Hook hook) {
        super(Opcodes.ASM9, mv);
        this.hook = hook;
        this.owner = owner;
        this.arguments = Type.getArgumentTypes(hook.descriptor);
        this.returnType = Type.getReturnType(hook.descriptor);
        this.answer = Type.getReturnType(hook.dispatchDescriptor);
        int self = hook.isStatic ? 0 : 1;
        entryLocals = new Object[arguments.length + self];
        argumentSlot = new int[arguments.length];
        if (self == 1) {
            entryLocals[0] = owner;
        }
        int slot = self;
        for (int i = 0; i < arguments.length; i++) {
            entryLocals[i + self] = frameType(arguments[i]);
            argumentSlot[i] = slot;
            slot += arguments[i].getSize();
        }
        argumentSlots = slot;
    }

    /** The verifier's name of a value of this type in a stack map frame (the only copy of this mapping). */
    static Object frameType(Type type) {
        switch (type.getSort()) {
            case Type.BOOLEAN:
            case Type.BYTE:
            case Type.CHAR:
            case Type.SHORT:
            case Type.INT:
                return Opcodes.INTEGER;
            case Type.LONG:
                return Opcodes.LONG;
            case Type.FLOAT:
                return Opcodes.FLOAT;
            case Type.DOUBLE:
                return Opcodes.DOUBLE;
            default:
                // An array's internal name is its descriptor, as frames want it.
                return type.getInternalName();
        }
    }

    private void load(Hook.Load value) {
        switch (value.kind) {
            case Hook.Load.SELF:
                visitVarInsn(Opcodes.ALOAD, 0);
                break;
            case Hook.Load.ARG:
                visitVarInsn(arguments[value.index].getOpcode(Opcodes.ILOAD), argumentSlot[value.index]);
                break;
            case Hook.Load.FIELD:
                visitVarInsn(Opcodes.ALOAD, 0);
                visitFieldInsn(Opcodes.GETFIELD, owner, value.name, value.descriptor);
                break;
            default:
                visitVarInsn(Opcodes.ALOAD, argumentSlot[value.index]);
                visitMethodInsn(Opcodes.INVOKEVIRTUAL, value.owner, value.name, value.descriptor, false);
        }
    }

    @Override
    public void visitCode() {
        super.visitCode();
        Label original = new Label();
        boolean jumps = false;
        if (hook.onlyIfNotNull != null) {
            load(hook.onlyIfNotNull);
            visitJumpInsn(Opcodes.IFNULL, original);
            jumps = true;
        }
        if (hook.loads == null) {
            if (!hook.isStatic) {
                visitVarInsn(Opcodes.ALOAD, 0);
            }
            for (int i = 0; i < arguments.length; i++) {
                visitVarInsn(arguments[i].getOpcode(Opcodes.ILOAD), argumentSlot[i]);
            }
        } else {
            for (Hook.Load value : hook.loads) {
                load(value);
            }
        }
        visitMethodInsn(Opcodes.INVOKESTATIC, Type.getInternalName(hook.dispatcher), hook.dispatch,
                hook.dispatchDescriptor, false);
        jumps |= exit(original);
        if (jumps) {
            visitLabel(original);
            visitFrame(Opcodes.F_NEW, entryLocals.length, entryLocals, 0, new Object[0]);
            // A NOP keeps this frame apart from one the original code may have at its first instruction.
            visitInsn(Opcodes.NOP);
        }
    }

    /** Emits what the answer on the stack means. @return whether it jumps to {@code original} */
    private boolean exit(Label original) {
        switch (hook.exit) {
            case NONE:
                return false;
            case RETURN_IF_TRUE:
                visitJumpInsn(Opcodes.IFEQ, original);
                if (returnType.getSort() == Type.VOID) {
                    visitInsn(Opcodes.RETURN);
                } else {
                    visitInsn(Opcodes.ICONST_0);
                    visitInsn(Opcodes.IRETURN);
                }
                return true;
            case THIS_IF_TRUE:
                visitJumpInsn(Opcodes.IFEQ, original);
                visitVarInsn(Opcodes.ALOAD, 0);
                visitInsn(Opcodes.ARETURN);
                return true;
            case INT_IF_NOT_NEGATIVE:
                visitInsn(Opcodes.DUP);
                dropUnless(Opcodes.IFLT);
                visitInsn(Opcodes.IRETURN);
                return dropped();
            case OBJECT_IF_NOT_NULL:
                visitInsn(Opcodes.DUP);
                dropUnless(Opcodes.IFNULL);
                castToReturnType();
                visitInsn(Opcodes.ARETURN);
                return dropped();
            case COUNT_UNLESS_PASS:
                visitInsn(Opcodes.DUP2);
                visitLdcInsn(Long.MIN_VALUE);
                visitInsn(Opcodes.LCMP);
                dropUnless(Opcodes.IFEQ);
                if (returnType.getSort() == Type.LONG) {
                    visitInsn(Opcodes.LRETURN);
                } else {
                    visitInsn(Opcodes.L2I);
                    visitInsn(Opcodes.IRETURN);
                }
                return dropped();
            default: // OBJECT_UNLESS_PASS
                visitInsn(Opcodes.DUP);
                visitFieldInsn(Opcodes.GETSTATIC, Type.getInternalName(hook.dispatcher), "PASS",
                        "Ljava/lang/Object;");
                dropUnless(Opcodes.IF_ACMPEQ);
                castToReturnType();
                visitInsn(Opcodes.ARETURN);
                return dropped();
        }
    }

    private Label drop;

    /** Jumps with {@code opcode} to where the (duplicated) answer is dropped and the original runs. */
    private void dropUnless(int opcode) {
        drop = new Label();
        visitJumpInsn(opcode, drop);
    }

    /** The drop point: the entry frame with the answer on the stack, popped; falls through to the original. */
    private boolean dropped() {
        visitLabel(drop);
        visitFrame(Opcodes.F_NEW, entryLocals.length, entryLocals, 1, new Object[] {frameType(answer)});
        visitInsn(answer.getSize() == 2 ? Opcodes.POP2 : Opcodes.POP);
        return true;
    }

    private void castToReturnType() {
        if (!returnType.equals(answer)) {
            visitTypeInsn(Opcodes.CHECKCAST, returnType.getInternalName());
        }
    }

    @Override
    public void visitMaxs(int maxStack, int maxLocals) {
        // Pushed values: at most two slots each, plus the answer duplicated and a long constant.
        int pushed = 0;
        for (Type p : Type.getArgumentTypes(hook.dispatchDescriptor)) {
            pushed += p.getSize();
        }
        super.visitMaxs(Math.max(maxStack, Math.max(pushed + 1, 6)), Math.max(maxLocals, argumentSlots));
    }
}
