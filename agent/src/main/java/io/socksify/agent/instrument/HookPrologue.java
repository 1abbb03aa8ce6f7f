package io.socksify.agent.instrument;

import net.bytebuddy.jar.asm.Label;
import net.bytebuddy.jar.asm.MethodVisitor;
import net.bytebuddy.jar.asm.Opcodes;
import net.bytebuddy.jar.asm.Type;

/**
 * The skeleton the channel prologues share ({@link SocketChannelTransformer}, {@link DatagramChannelInstrumentation}):
 * at the start of an instance method, push {@code this} and every argument, call one static method of a dispatcher,
 * then let the subclass emit what the answer means ({@link #exit}: return it, or drop it and fall through); the
 * original code follows a frame identical to the method's entry frame. Only the prologue is added: no new fields or
 * methods, so retransformation accepts it. Frames are written expanded ({@code ClassReader.EXPAND_FRAMES}).
 */
abstract class HookPrologue extends MethodVisitor {
    private final String dispatcher;
    private final String dispatch;
    private final String dispatchDescriptor;
    private final int minStack;
    /** The hooked method's argument types. */
    final Type[] arguments;
    /** The hooked method's return type. */
    final Type returnType;
    private final Object[] entryLocals;

    /**
     * @param owner    the internal name of the class whose method is hooked (the type of {@code this})
     * @param minStack the operand stack the exit needs beyond {@code this} and the arguments
     */
    HookPrologue(MethodVisitor mv, String owner, String descriptor, String dispatcher, String dispatch,
            String dispatchDescriptor, int minStack) {
        super(Opcodes.ASM9, mv);
        this.dispatcher = dispatcher;
        this.dispatch = dispatch;
        this.dispatchDescriptor = dispatchDescriptor;
        this.minStack = minStack;
        this.arguments = Type.getArgumentTypes(descriptor);
        this.returnType = Type.getReturnType(descriptor);
        this.entryLocals = new Object[arguments.length + 1];
        entryLocals[0] = owner;
        for (int i = 0; i < arguments.length; i++) {
            entryLocals[i + 1] = frameType(arguments[i]);
        }
    }

    private static Object frameType(Type type) {
        return switch (type.getSort()) {
            case Type.BOOLEAN, Type.BYTE, Type.CHAR, Type.SHORT, Type.INT -> Opcodes.INTEGER;
            case Type.LONG -> Opcodes.LONG;
            case Type.FLOAT -> Opcodes.FLOAT;
            case Type.DOUBLE -> Opcodes.DOUBLE;
            default -> type.getInternalName();
        };
    }

    /**
     * Emits what the dispatcher's answer (on the stack) means: return, or jump to {@code original}, or drop it and
     * fall through (with {@link #dropFrame} at a label it jumps to).
     */
    abstract void exit(Label original);

    /** The entry frame with one value on the stack: at a label where the answer is dropped. */
    final void dropFrame(Object stackTop) {
        visitFrame(Opcodes.F_NEW, entryLocals.length, entryLocals, 1, new Object[] {stackTop});
    }

    @Override
    public final void visitCode() {
        super.visitCode();
        visitVarInsn(Opcodes.ALOAD, 0);
        int slot = 1;
        for (Type argument : arguments) {
            visitVarInsn(argument.getOpcode(Opcodes.ILOAD), slot);
            slot += argument.getSize();
        }
        visitMethodInsn(Opcodes.INVOKESTATIC, dispatcher, dispatch, dispatchDescriptor, false);
        Label original = new Label();
        exit(original);
        visitLabel(original);
        visitFrame(Opcodes.F_NEW, entryLocals.length, entryLocals, 0, new Object[0]);
        // A NOP keeps this frame apart from one the original code may have at its first instruction.
        visitInsn(Opcodes.NOP);
    }

    @Override
    public final void visitMaxs(int maxStack, int maxLocals) {
        int slots = 1;
        for (Type argument : arguments) {
            slots += argument.getSize();
        }
        super.visitMaxs(Math.max(maxStack, Math.max(slots, minStack)), Math.max(maxLocals, slots));
    }
}
