package io.socksify.agent.cli;

import com.sun.tools.attach.VirtualMachine;
import com.sun.tools.attach.VirtualMachineDescriptor;

import java.io.PrintStream;
import java.util.Comparator;
import java.util.List;

/**
 * {@code list}: the JVMs this user can attach to, one a line: the process id and the main class or jar. The JDK
 * finds them through their performance data files, so a JVM run with {@code -XX:-UsePerfData} is not listed (it can
 * still be attached to by pid).
 */
final class ListCommand {
    private ListCommand() {
    }

    static int run(String[] args, PrintStream out, PrintStream err) {
        if (args.length > 0) {
            err.println("socksify: list takes no arguments");
            return 2;
        }
        String self = Long.toString(ProcessHandle.current().pid());
        List<VirtualMachineDescriptor> vms = VirtualMachine.list().stream()
                .filter(vm -> !vm.id().equals(self))
                .sorted(Comparator.comparingLong(vm -> parse(vm.id())))
                .toList();
        out.printf("%-8s %s%n", "PID", "MAIN CLASS OR JAR");
        for (VirtualMachineDescriptor vm : vms) {
            out.printf("%-8s %s%n", vm.id(), main(vm.displayName()));
        }
        return 0;
    }

    /** The display name is the JVM's {@code sun.java.command}: the main class or jar, then the arguments. */
    static String main(String displayName) {
        String name = displayName == null ? "" : displayName.strip();
        int space = name.indexOf(' ');
        String main = space < 0 ? name : name.substring(0, space);
        return main.isEmpty() ? "(unknown)" : main;
    }

    private static long parse(String id) {
        try {
            return Long.parseLong(id);
        } catch (NumberFormatException e) {
            return Long.MAX_VALUE;
        }
    }
}
