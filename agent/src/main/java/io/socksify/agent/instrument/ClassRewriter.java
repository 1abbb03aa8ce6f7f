package io.socksify.agent.instrument;

import net.bytebuddy.jar.asm.ClassReader;
import net.bytebuddy.jar.asm.ClassVisitor;
import net.bytebuddy.jar.asm.ClassWriter;
import net.bytebuddy.jar.asm.FieldVisitor;
import net.bytebuddy.jar.asm.MethodVisitor;
import net.bytebuddy.jar.asm.Opcodes;

import java.util.ArrayList;
import java.util.List;

/**
 * Applies every row of one class in one pass over its class file, and refuses the class (an
 * {@link IllegalStateException} naming the row) unless each row found its method: exactly one row of each group,
 * every row outside a group, and every field a prologue reads or writes declared by the class (a field it inherits
 * the JVM checks when the prologue links, and {@code CheckClassAdapterTest} on each JDK). No lambdas or
 * {@code equals}-based collections here: this runs while the JVM starts.
 */
public final class ClassRewriter {
    private ClassRewriter() {
    }

    /**
     * @param rows the rows whose owner is {@code internalName}
     * @return the rewritten class file
     */
    public static byte[] rewrite(String internalName, Hook[] rows, byte[] classFile) {
        ClassReader reader = new ClassReader(classFile);
        ClassWriter writer = new ClassWriter(reader, 0);
        int[] found = new int[rows.length];
        MethodRewrite.Pass[] passes = new MethodRewrite.Pass[rows.length];
        boolean prologues = false;
        for (int i = 0; i < rows.length; i++) {
            if (rows[i].rewrite != null) {
                passes[i] = rows[i].rewrite.begin();
            } else {
                prologues = true;
            }
        }
        List<String> fields = new ArrayList<>();
        reader.accept(new ClassVisitor(Opcodes.ASM9, writer) {
            @Override
            public FieldVisitor visitField(int access, String name, String descriptor, String signature,
                    Object value) {
                fields.add(name + ":" + descriptor);
                return super.visitField(access, name, descriptor, signature, value);
            }

            @Override
            public MethodVisitor visitMethod(int access, String name, String descriptor, String signature,
                    String[] exceptions) {
                MethodVisitor mv = super.visitMethod(access, name, descriptor, signature, exceptions);
                for (int i = 0; i < rows.length; i++) {
                    Hook row = rows[i];
                    if (row.matches(access, name, descriptor)) {
                        found[i]++;
                        // One row per method: two would need two prologues in a defined order.
                        return passes[i] != null ? passes[i].method(mv) : new Prologue(mv, internalName, row);
                    }
                }
                return mv;
            }
        }, prologues ? ClassReader.EXPAND_FRAMES : 0);
        String type = internalName.replace('/', '.');
        for (int i = 0; i < rows.length; i++) {
            Hook row = rows[i];
            if (passes[i] != null) {
                String failure = passes[i].failure();
                if (failure != null) {
                    throw new IllegalStateException(type + ": " + failure + " on this JDK");
                }
                if (row.name != null && found[i] != 1) {
                    throw new IllegalStateException(type + " has no " + row.name + row.descriptor + " on this JDK");
                }
                continue;
            }
            int inGroup = 0;
            String key = row.groupKey();
            for (int j = 0; j < rows.length; j++) {
                if (rows[j].groupKey().equals(key)) {
                    inGroup += found[j];
                }
            }
            if (inGroup != 1) {
                throw new IllegalStateException(row.group == null
                        ? type + " has no " + (row.isStatic ? "static " : "") + row.name + row.descriptor
                                + " on this JDK"
                        : type + " has " + inGroup + " methods " + row.group + " of the expected shapes on this JDK"
                                + " (expected: 1)");
            }
            if (found[i] == 1) {
                requireField(type, fields, row.onlyIfNotNull);
            }
        }
        return writer.toByteArray();
    }

    private static void requireField(String type, List<String> fields, Hook.Load value) {
        if (value != null && value.kind == Hook.Load.FIELD && !fields.contains(value.name + ":" + value.descriptor)) {
            throw new IllegalStateException(type + "." + value.name + " is missing or has an unexpected type on this"
                    + " JDK");
        }
    }
}
